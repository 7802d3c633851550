/**
 * The origin guard: a request reaches the routes only with a valid origin-verification value (this distribution's
 * CloudFront added it), compared in constant time against every accepted value (two during a rotation), or, in the
 * `accept-unverified` transition, with none at all; and the reader's address the limits key on, from
 * CloudFront-Viewer-Address of a verified request, IPv6 by its /64.
 */
import { createHash, timingSafeEqual } from "crypto";
import { isIPv4, isIPv6 } from "net";
import {
  DIRECT_INVOCATION_API_ID,
  ORIGIN_VERIFY_HEADER,
  VIEWER_ADDRESS_HEADER,
  type OriginVerificationMode,
} from "../../shared/origin-verification";
import { ForbiddenError } from "../shared/errors";
import type { ApiRequest } from "./http";

/** Shortest accepted value: the stacks generate 64 hex characters (256 bits), `npm run dev` 43 base64url. */
export const MIN_ORIGIN_VERIFY_LENGTH = 32;

export interface OriginGuard {
  /**
   * The request as the routes see it: `readerIp` is the viewer's address CloudFront reports. A request without a
   * valid value is a 403 `origin_not_verified`, before any route runs (no database, cache or table is touched).
   */
  admit(request: ApiRequest, event: unknown): ApiRequest;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export interface OriginGuardOptions {
  /** `api.originVerification`. @default "enforce" */
  readonly mode?: OriginVerificationMode;
  /**
   * Told of every request served without a value (`accept-unverified` only), with how many this container has served
   * so far: the handler logs the first and then at most one a minute (see `unverifiedReporter`).
   */
  readonly onUnverified?: (request: ApiRequest, count: number) => void;
}

/** `accepted`: every value CloudFront may be sending (the active one, and the other slot's during a rotation). */
export function createOriginGuard(
  accepted: readonly string[],
  options: OriginGuardOptions = {},
): OriginGuard {
  const mode = options.mode ?? "enforce";
  let unverified = 0;
  if (accepted.length === 0 || accepted.some((value) => value.length < MIN_ORIGIN_VERIFY_LENGTH)) {
    throw new Error(`origin guard: at least one value of ${MIN_ORIGIN_VERIFY_LENGTH} characters or more`);
  }
  // Digests of equal length, so timingSafeEqual never throws and the comparison time says nothing about the value.
  const digests = accepted.map(digest);
  const verified = (presented: string | undefined): boolean => {
    if (presented === undefined) return false;
    const given = digest(presented);
    // Every accepted value is compared, whichever matches.
    return digests.reduce((match, expected) => timingSafeEqual(given, expected) || match, false);
  };
  return {
    admit(request, event) {
      if (isDirectHealthCheck(request, event)) return request;
      const presented = request.headers[ORIGIN_VERIFY_HEADER];
      if (presented === undefined && mode === "accept-unverified") {
        // Not (yet) through a distribution that sends the value: served as before the check, keyed on the address
        // the request came from (the edge's), since whoever sent it may have written CloudFront-Viewer-Address.
        unverified += 1;
        options.onUnverified?.(request, unverified);
        return request;
      }
      // A value that is present but wrong is refused in every mode: CloudFront sends a generated one or none.
      if (!verified(presented)) {
        throw new ForbiddenError("Call the API through the site's address, not API Gateway's own", {
          code: "origin_not_verified",
        });
      }
      const viewer = viewerAddress(request.headers[VIEWER_ADDRESS_HEADER.toLowerCase()]);
      // Without the header (an origin request policy that does not forward it) the edge's address stays: one counter
      // for the edge's readers, tighter, never looser.
      return viewer ? { ...request, readerIp: viewer } : request;
    },
  };
}

/**
 * Logs the first unverified request a container serves and then at most one line a minute with the running count, so
 * that operators see unverified traffic (and when it stops) without a line per request.
 */
export function unverifiedReporter(
  warn: (message: string, details: Record<string, unknown>) => void,
  now: () => number = Date.now,
  intervalMs = 60_000,
): (request: ApiRequest, count: number) => void {
  let last: number | undefined;
  return (request, count) => {
    const at = now();
    if (last !== undefined && at - last < intervalMs) return;
    last = at;
    warn("Served a request without origin verification (api.originVerification is accept-unverified)", {
      unverifiedRequests: count,
      sourceIp: request.sourceIp,
      path: request.path,
    });
  };
}

/**
 * The pre-traffic hook's smoke test, sent with `lambda:InvokeFunction` (IAM decides who may): `GET /api/health` and
 * nothing else, marked in the part of the event that API Gateway writes itself.
 */
function isDirectHealthCheck(request: ApiRequest, event: unknown): boolean {
  const context = (event as { requestContext?: { apiId?: unknown } } | null)?.requestContext;
  return (
    context?.apiId === DIRECT_INVOCATION_API_ID && request.method === "GET" && request.path === "/api/health"
  );
}

/** The address of `198.51.100.10:46532` or `2001:db8::1:46532` (the port after the last colon); undefined if malformed. */
export function viewerAddress(header: string | undefined): string | undefined {
  if (!header || header.length > 64) return undefined;
  const colon = header.lastIndexOf(":");
  if (colon <= 0 || !/^\d{1,5}$/.test(header.slice(colon + 1))) return undefined;
  const address = header.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return isIPv4(address) || isIPv6(address) ? address.toLowerCase() : undefined;
}

/**
 * What one reader is counted as: an IPv4 address (also when written IPv4-mapped), or the /64 network of an IPv6
 * address (one subscriber's line gets a whole /64 and may use any address of it), in canonical form.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros (an embedded IPv4 tail as two groups). */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right].map((group) =>
    (parseInt(group, 16) || 0).toString(16),
  );
}
