/**
 * Typed errors shared by the handlers. They say *what* went wrong; the HTTP status each kind maps to is decided in
 * one place (`handlers/api/http.ts`), so the business modules never speak HTTP.
 */

export type ErrorKind =
  | "validation"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "unavailable";

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** An error the caller can act on: its message is safe to show, unlike those of unexpected failures. */
export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;
  /** Stable, machine-readable code for clients (defaults to the kind). */
  readonly code: string;
  readonly details?: readonly ErrorDetail[];

  constructor(
    message: string,
    options: { code?: string; details?: readonly ErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? "";
    this.details = options.details;
  }
}

export class ValidationError extends AppError {
  readonly kind = "validation";
}
export class UnauthenticatedError extends AppError {
  readonly kind = "unauthenticated";
}
export class ForbiddenError extends AppError {
  readonly kind = "forbidden";
}
export class NotFoundError extends AppError {
  readonly kind = "not_found";
}
export class MethodNotAllowedError extends AppError {
  readonly kind = "method_not_allowed";
  constructor(
    message: string,
    readonly allowed: readonly string[],
  ) {
    super(message);
  }
}
export class ConflictError extends AppError {
  readonly kind = "conflict";
}
export class PayloadTooLargeError extends AppError {
  readonly kind = "payload_too_large";
}
export class UnsupportedMediaTypeError extends AppError {
  readonly kind = "unsupported_media_type";
}
export class RateLimitedError extends AppError {
  readonly kind = "rate_limited";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/**
 * A dependency the request cannot do without (PostgreSQL, DynamoDB, AWS credentials) is unreachable or too slow, or
 * the request ran out of time: worth retrying later (HTTP 503 with `Retry-After`).
 */
export class UnavailableError extends AppError {
  readonly kind = "unavailable";
  /** Which dependency failed, for the logs (never shown to the client). */
  readonly dependency: string;
  readonly retryAfterSeconds: number;

  constructor(
    message: string,
    options: { code?: string; cause?: unknown; dependency: string; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.dependency = options.dependency;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
  }
}
