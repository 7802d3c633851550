/** Abuse limits of the public write routes, counted in Redis per client per window. */
import { RateLimitedError } from "../../shared/errors";
import type { Cache } from "../cache";

/** Abuse limits per client per window. */
export const RATE_LIMITS = {
  comment: { max: 5, windowSeconds: 60 },
  subscribe: { max: 5, windowSeconds: 600 },
  like: { max: 30, windowSeconds: 60 },
} as const;

/** Counts one request of `client`; a 429 past the limit. */
export async function enforceRateLimit(
  cache: Cache,
  kind: keyof typeof RATE_LIMITS,
  client: string,
): Promise<void> {
  const limit = RATE_LIMITS[kind];
  const counted = await cache.count(`rate:${kind}:${client}`, limit.windowSeconds);
  // Without Redis the limit cannot be counted: fail open (logged by the cache) rather than refuse every reader.
  if (counted && counted.count > limit.max) {
    throw new RateLimitedError(
      `Too many requests: at most ${limit.max} per ${limit.windowSeconds} seconds, retry in ${counted.resetSeconds} s`,
      counted.resetSeconds,
    );
  }
}
