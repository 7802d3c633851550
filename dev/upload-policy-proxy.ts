/**
 * A pass-through proxy in front of s3rver that enforces what S3 enforces on browser uploads and s3rver does not:
 * the presigned POST's signature, expiry and policy conditions (`content-length-range`, `eq`, `starts-with`,
 * exact matches, no extra fields); and, for requests signed with an author identity's temporary credentials, the
 * identity pool role's statements (dev/folder-access.ts). Everything else (the functions' SDK calls with s3rver's
 * dummy credentials, CORS preflights) goes to s3rver untouched, with the same Host header.
 */
import { createHmac, timingSafeEqual } from "crypto";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "http";
import type { AddressInfo } from "net";
import { authorizeFolderRequest, identityCredentialsOf, type FolderAccessOptions } from "./folder-access";
import { signingKey } from "./sigv4";

export interface UploadPolicyProxyOptions {
  /** The S3 endpoint to forward to (s3rver), e.g. `http://127.0.0.1:4569`. */
  readonly target: string;
  /** The secret access key presigned POSTs are signed with (s3rver's dummy credentials locally). */
  readonly secretAccessKey: string;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Largest POST body buffered for checking. @default 64 MiB */
  readonly maxBodyBytes?: number;
  /** Enforce the author folders on requests signed with identity credentials. @default none: such keys are unknown to s3rver */
  readonly folders?: FolderAccessOptions;
}

export interface UploadPolicyProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export class PolicyViolation extends Error {
  override readonly name = "PolicyViolation";
  constructor(
    readonly status: number,
    /** S3's error code, e.g. `AccessDenied`, `EntityTooLarge`, `SignatureDoesNotMatch`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MultipartForm {
  readonly fields: Readonly<Record<string, string>>;
  /** Size of the `file` part, or undefined when there is none. */
  readonly fileSize: number | undefined;
}

/** Reads a multipart/form-data body: text fields and the size of the `file` part (fields after it are ignored, as S3 does). */
export function parseMultipart(body: Buffer, contentType: string): MultipartForm {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary)
    throw new PolicyViolation(
      400,
      "MalformedPOSTRequest",
      "The body of your POST request is not well-formed multipart/form-data.",
    );
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  let fileSize: number | undefined;
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // between the CRLF after the delimiter and the CRLF before the next
    const headerEnd = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const content = part.subarray(headerEnd + 4);
    if (name?.toLowerCase() === "file") {
      fileSize = content.length;
      break;
    }
    if (name !== undefined) fields[name] = content.toString("utf8");
    start = next;
  }
  return { fields, fileSize };
}

function fieldOf(fields: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(fields).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** S3's checks of a browser POST: signature (SigV4 over the policy), expiry, and every condition. */
export function checkPostPolicy(
  bucket: string,
  form: MultipartForm,
  secretAccessKey: string,
  now = new Date(),
): void {
  const policyText = fieldOf(form.fields, "Policy");
  const signature = fieldOf(form.fields, "X-Amz-Signature");
  const credential = fieldOf(form.fields, "X-Amz-Credential");
  if (!policyText || !signature || !credential)
    throw new PolicyViolation(
      403,
      "AccessDenied",
      "Bucket POST must contain Policy, X-Amz-Signature and X-Amz-Credential fields.",
    );
  // X-Amz-Credential is `<access key id>/<scope>`.
  const scope = credential.split("/").slice(1).join("/");
  const expected = createHmac("sha256", signingKey(secretAccessKey, scope)).update(policyText).digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new PolicyViolation(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  let policy: { expiration?: string; conditions?: unknown[] };
  try {
    policy = JSON.parse(Buffer.from(policyText, "base64").toString("utf8")) as typeof policy;
  } catch {
    throw new PolicyViolation(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.");
  }
  if (!policy.expiration || !(new Date(policy.expiration).getTime() > now.getTime())) {
    throw new PolicyViolation(403, "AccessDenied", "Invalid according to Policy: Policy expired.");
  }
  const value = (name: string) => (name.toLowerCase() === "bucket" ? bucket : fieldOf(form.fields, name));
  const covered = new Set(["policy", "x-amz-signature", "file", "bucket"]);
  const failed = (condition: unknown) =>
    new PolicyViolation(
      403,
      "AccessDenied",
      `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`,
    );
  for (const condition of policy.conditions ?? []) {
    if (Array.isArray(condition)) {
      const [operator, first, second] = condition as [string, unknown, unknown];
      if (operator === "content-length-range") {
        const size = form.fileSize ?? 0;
        if (size > Number(second))
          throw new PolicyViolation(
            400,
            "EntityTooLarge",
            `Your proposed upload exceeds the maximum allowed size (${size} > ${String(second)} bytes).`,
          );
        if (size < Number(first))
          throw new PolicyViolation(
            400,
            "EntityTooSmall",
            `Your proposed upload is smaller than the minimum allowed size (${size} < ${String(first)} bytes).`,
          );
        continue;
      }
      const name = String(first).replace(/^\$/, "");
      covered.add(name.toLowerCase());
      const actual = value(name) ?? "";
      if (operator === "eq" && actual !== String(second)) throw failed(condition);
      if (operator === "starts-with" && !actual.startsWith(String(second))) throw failed(condition);
      if (operator !== "eq" && operator !== "starts-with") throw failed(condition);
    } else if (condition && typeof condition === "object") {
      for (const [name, expected] of Object.entries(condition)) {
        covered.add(name.toLowerCase());
        if (value(name) !== String(expected)) throw failed(condition);
      }
    }
  }
  const extra = Object.keys(form.fields).filter(
    (name) => !covered.has(name.toLowerCase()) && !name.toLowerCase().startsWith("x-ignore-"),
  );
  if (extra.length > 0)
    throw new PolicyViolation(
      403,
      "AccessDenied",
      `Invalid according to Policy: Extra input fields: ${extra.join(", ")}`,
    );
}

function s3Error(response: ServerResponse, request: IncomingMessage, error: PolicyViolation): void {
  const escape = (text: string) => text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escape(error.message)}</Message></Error>`;
  response.writeHead(error.status, {
    "content-type": "application/xml",
    // Like S3 with a CORS rule for the site: the browser may read why its upload was refused.
    ...(request.headers.origin
      ? { "access-control-allow-origin": request.headers.origin, vary: "Origin" }
      : {}),
  });
  response.end(body);
}

export async function startUploadPolicyProxy(options: UploadPolicyProxyOptions): Promise<UploadPolicyProxy> {
  const target = new URL(options.target);
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;

  const forward = (
    request: IncomingMessage,
    response: ServerResponse,
    body?: Buffer,
    headers = request.headers,
  ): void => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
    if (body) upstream.end(body);
    else request.pipe(upstream);
  };

  /** Buffers the body (up to maxBody, else 400 EntityTooLarge) and hands it to `then`; a PolicyViolation is answered. */
  const collect = (
    request: IncomingMessage,
    response: ServerResponse,
    then: (body: Buffer) => void,
  ): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody && !refused) {
        refused = true;
        s3Error(
          response,
          request,
          new PolicyViolation(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size.",
          ),
        );
      }
      if (!refused) chunks.push(chunk);
    });
    request.on("end", () => {
      if (refused) return;
      try {
        then(Buffer.concat(chunks));
      } catch (error) {
        if (error instanceof PolicyViolation) return s3Error(response, request, error);
        throw error;
      }
    });
  };

  const server = createServer((request, response) => {
    const signed = { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers };
    const identity = options.folders && identityCredentialsOf(signed, options.folders);
    if (options.folders && identity) {
      const folders = options.folders;
      return collect(request, response, (body) =>
        forward(request, response, body, authorizeFolderRequest(signed, body, identity, folders)),
      );
    }
    const pathname = new URL(request.url ?? "/", "http://local").pathname;
    const bucket = /^\/([^/]+)\/?$/.exec(pathname)?.[1];
    const contentType = String(request.headers["content-type"] ?? "");
    if (request.method !== "POST" || !bucket || !/^multipart\/form-data/i.test(contentType))
      return forward(request, response);
    collect(request, response, (body) => {
      checkPostPolicy(bucket, parseMultipart(body, contentType), options.secretAccessKey);
      forward(request, response, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
