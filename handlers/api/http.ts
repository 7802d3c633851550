/**
 * HTTP plumbing for API Gateway HTTP API payload 2.0: the request view the routes see, JSON responses, the one error
 * shape `{"error":{"code","message","details?"}}`, and the single place where typed errors become status codes.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type * as z from "zod/mini";
import {
  AppError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RateLimitedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  type ErrorDetail,
  type ErrorKind,
} from "../shared/errors";

export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

/** What an authenticated author's JWT says (from the API Gateway JWT authorizer). */
export interface Author {
  readonly sub: string;
  readonly name: string;
}

/** The parts of an API Gateway event the routes use, normalised. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly rawBody: string | undefined;
  /** The address API Gateway saw: behind CloudFront, the edge server's, shared by every reader it serves. */
  readonly sourceIp: string;
  /**
   * The reader's address, what the limits key on: CloudFront-Viewer-Address once the origin guard verified the
   * request (handlers/api/origin.ts), `sourceIp` until then.
   */
  readonly readerIp: string;
  readonly requestId: string;
  readonly author: Author | undefined;
}

/** Payload 2.0 event with the JWT authorizer's claims (the authorizer context is untyped in aws-lambda's base type). */
type ApiEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
};

/** Maximum request body: a post's markdown (100 000 characters) plus its JSON envelope. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Every status the API answers with its own JSON error (edge/error-responses.ts keeps pages off these). */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

/** Reads an event defensively: the dev server and fuzzing send events API Gateway never would. */
export function toApiRequest(raw: unknown, fallbackRequestId: string): ApiRequest {
  const event = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<ApiEvent>;
  const context = (typeof event.requestContext === "object" && event.requestContext) || undefined;
  const http = context?.http;
  const headers: Record<string, string> = {};
  if (typeof event.headers === "object" && event.headers) {
    for (const [name, value] of Object.entries(event.headers)) {
      if (typeof value === "string") headers[name.toLowerCase()] = value;
    }
  }
  const query: Record<string, string> = {};
  if (typeof event.queryStringParameters === "object" && event.queryStringParameters) {
    for (const [name, value] of Object.entries(event.queryStringParameters)) {
      if (typeof value === "string") query[name] = value;
    }
  }
  let rawBody: string | undefined;
  if (typeof event.body === "string") {
    rawBody =
      event.isBase64Encoded === true ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  }
  const claims = context?.authorizer?.jwt?.claims;
  const claim = (name: string) =>
    typeof claims?.[name] === "string" && claims[name] !== "" ? (claims[name] as string) : undefined;
  const sub = claim("sub");
  const sourceIp = typeof http?.sourceIp === "string" ? http.sourceIp : "unknown";
  return {
    method: typeof http?.method === "string" ? http.method.toUpperCase() : "GET",
    path:
      typeof event.rawPath === "string" ? event.rawPath : typeof http?.path === "string" ? http.path : "/",
    headers,
    query,
    rawBody,
    sourceIp,
    readerIp: sourceIp,
    requestId:
      typeof context?.requestId === "string" && context.requestId ? context.requestId : fallbackRequestId,
    author: sub
      ? { sub, name: claim("name") ?? claim("cognito:username") ?? claim("email") ?? sub }
      : undefined,
  };
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return jsonText(statusCode, JSON.stringify(body), headers);
}

/** A response whose JSON is already serialised (cached bodies are served as stored). */
export function jsonText(
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
    body,
  };
}

export function errorResponse(error: AppError): HttpResponse {
  const status = STATUS_BY_KIND[error.kind];
  const headers: Record<string, string> = {};
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(", ");
  if (error instanceof RateLimitedError || error instanceof UnavailableError) {
    headers["retry-after"] = String(error.retryAfterSeconds);
  }
  const body = {
    error: {
      code: error.code || error.kind,
      message: error.message,
      ...(error.details && error.details.length > 0 ? { details: error.details } : {}),
    },
  };
  return json(status, body, headers);
}

/** Unexpected failures: nothing about the cause leaks, only the id to find it in the logs. */
export function internalErrorResponse(requestId: string): HttpResponse {
  return json(500, {
    error: { code: "internal_error", message: `An unexpected error occurred (request id ${requestId})` },
  });
}

/** zod issues → the `details` of a 400. */
export function validationError(message: string, error: z.core.$ZodError, prefix: string): ValidationError {
  const details: ErrorDetail[] = error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return new ValidationError(message, { code: "validation_failed", details });
}

/** Validates a JSON request body: media type, size, syntax, then the schema. */
export function parseJsonBody<S extends z.ZodMiniType>(request: ApiRequest, schema: S): z.output<S> {
  const contentType = request.headers["content-type"]?.split(";")[0].trim().toLowerCase();
  if (contentType !== "application/json") {
    throw new UnsupportedMediaTypeError("Send the request body as JSON with Content-Type: application/json", {
      code: "unsupported_media_type",
    });
  }
  const raw = request.rawBody ?? "";
  if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The request body exceeds ${MAX_BODY_BYTES} bytes`, {
      code: "body_too_large",
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationError("The request body is not valid JSON", { code: "invalid_json" });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw validationError("The request body is invalid", result.error, "body");
  return result.data;
}

const INPUT_LABELS = {
  query: "query string",
  path: "path",
  "headers.x-client-id": "x-client-id header",
} as const;

/** Validates the path parameters, the query string or a header. */
export function parseInput<S extends z.ZodMiniType>(
  value: unknown,
  schema: S,
  where: keyof typeof INPUT_LABELS,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(`The ${INPUT_LABELS[where]} is invalid`, result.error, where);
  return result.data;
}

export { AppError };
