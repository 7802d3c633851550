/**
 * The local edge: what CloudFront does around the origins, with the deployed definitions. The site's viewer-request
 * function (edge/viewer-request.js, re-read on every request so that edits apply at once) and the distribution's
 * custom error responses (edge/error-responses.ts), which CloudFront applies to every answer, the API's included.
 */
import type { IncomingMessage, ServerResponse } from "http";
import { ERROR_RESPONSES } from "../edge/error-responses";
import {
  isEdgeResponse,
  loadViewerRequest,
  viewerRequestEvent,
  type EdgeResponse,
  type ViewerRequest,
} from "../edge/runtime";

/** The function's answer to a request: a response of its own, or the request as the origin should see it. */
export function runViewerRequest(request: IncomingMessage): EdgeResponse | ViewerRequest {
  const handler = loadViewerRequest();
  return handler(
    viewerRequestEvent(
      request.method ?? "GET",
      request.url ?? "/",
      request.headers,
      request.socket.remoteAddress,
    ),
  );
}

export { isEdgeResponse };

/** `?a=1&b` from the function's query string object. */
export function queryOf(request: ViewerRequest): string {
  const parts: string[] = [];
  for (const [name, entry] of Object.entries(request.querystring)) {
    for (const { value } of entry.multiValue ?? [entry]) parts.push(value === "" ? name : `${name}=${value}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/**
 * Makes `response` behave like CloudFront's custom error responses: an answer whose status has a page is replaced
 * by that page (status kept); every other answer passes unchanged.
 */
export function withErrorPages(
  response: ServerResponse,
  pageOf: (path: string) => { readonly body: Buffer; readonly contentType: string } | undefined,
): void {
  const writeHead = response.writeHead.bind(response);
  const end = response.end.bind(response);
  const write = response.write.bind(response);
  let replaced = false;
  response.writeHead = ((statusCode: number, ...rest: unknown[]) => {
    const rule = ERROR_RESPONSES.find((r) => r.errorCode === statusCode && r.page);
    const page = rule?.page ? pageOf(rule.page) : undefined;
    if (!page) return (writeHead as (...args: unknown[]) => ServerResponse)(statusCode, ...rest);
    replaced = true;
    writeHead(statusCode, {
      "content-type": page.contentType,
      "content-length": String(page.body.length),
      "cache-control": "no-store",
    });
    end(page.body);
    return response;
  }) as ServerResponse["writeHead"];
  // The origin's own body of a replaced answer is dropped, as CloudFront drops it.
  response.write = ((...args: unknown[]) =>
    replaced ? true : (write as (...a: unknown[]) => boolean)(...args)) as ServerResponse["write"];
  response.end = ((...args: unknown[]) =>
    replaced ? response : (end as (...a: unknown[]) => ServerResponse)(...args)) as ServerResponse["end"];
}
