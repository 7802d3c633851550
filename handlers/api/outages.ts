/**
 * Outages become 503s, never 500s: the AWS SDK clients' failures that mean "the service cannot be reached or did not
 * answer in time" (refused or reset connections, DNS, timeouts, throttling, 5xx after the retries, credentials that
 * cannot be fetched) turn into {@link UnavailableError} naming the dependency; what remains (a missing table, a
 * malformed request) is a bug and stays a 500.
 */
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { isConnectionError } from "../shared/postgres";
import { AppError, UnavailableError } from "../shared/errors";

const OUTAGE_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "CredentialsProviderError",
]);

/** True for failures of the service's availability rather than of the request itself. */
export function isOutage(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, message, $metadata, $fault } = error as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number };
    $fault?: unknown;
  };
  if (typeof name === "string" && OUTAGE_NAMES.has(name)) return true;
  if (isConnectionError(error)) return true;
  if (typeof message === "string" && /socket hang up|timed? ?out|ECONNABORTED/i.test(message)) return true;
  const status = $metadata?.httpStatusCode;
  return $fault === "server" || (typeof status === "number" && status >= 500);
}

export function unavailable(dependency: string, cause: unknown): UnavailableError {
  return new UnavailableError("A service the API depends on is unavailable, please retry shortly", {
    code: "service_unavailable",
    dependency,
    cause,
  });
}

/** An SDK middleware (outermost step, so around the retries) that maps outages of `dependency` to a 503. */
export function outageMiddleware(dependency: string) {
  return <A, R>(next: (args: A) => Promise<R>) =>
    async (args: A): Promise<R> => {
      try {
        return await next(args);
      } catch (error) {
        if (!(error instanceof AppError) && isOutage(error)) throw unavailable(dependency, error);
        throw error;
      }
    };
}

/** Credentials that cannot be fetched (the container's credential endpoint, STS) are an outage too. */
export function guardedCredentials(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  return async (options) => {
    try {
      return await provider(options);
    } catch (error) {
      throw unavailable("aws-credentials", error);
    }
  };
}

/** Runs `work`, turning outages of `dependency` into a 503 (for calls made without an SDK client). */
export async function withDependency<T>(dependency: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AppError) && isOutage(error)) throw unavailable(dependency, error);
    throw error;
  }
}
