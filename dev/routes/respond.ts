/** What every route family uses to read a request body and to send an answer. */
import type { IncomingMessage, ServerResponse } from "http";
import type { HttpResponse } from "../http-api";

/** A family of routes: the paths it owns and how it answers them. */
export interface RouteFamily {
  owns(pathname: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> | void;
}

/** The body, or null when it exceeds `limit` bytes (the rest is then drained). */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** An answer with `body` as the text given. */
export function answer(statusCode: number, headers: Record<string, string>, body: string): HttpResponse {
  return { statusCode, headers, body: Buffer.from(body) };
}

export function send(
  response: ServerResponse,
  result: HttpResponse,
  extraHeaders: Record<string, string> = {},
): void {
  response.writeHead(result.statusCode, {
    ...extraHeaders,
    ...result.headers,
    "content-length": String(result.body.length),
  });
  response.end(result.body);
}
