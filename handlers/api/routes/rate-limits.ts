/**
 * Abuse limits of the public write routes and of uploads, keyed on what the client cannot choose: the reader's
 * address as CloudFront reports it on a request the origin guard verified (../origin.ts; an IPv6 reader by its /64,
 * which one line can roam), and, for authors, the JWT subject. The `x-client-id` header adds a counter of its own (it
 * may narrow a limit, never widen it: the address's counter applies whatever the header says). Counted in Redis;
 * while Redis cannot count, a per-container fallback counter with bounded memory takes over (logged).
 */
import { RateLimitedError } from "../../shared/errors";
import type { Logger } from "../../shared/logger";
import type { Cache } from "../cache";
import type { ApiRequest } from "../http";
import { addressKey } from "../origin";

/** Abuse limits per key per window. */
export const RATE_LIMITS = {
  comment: { max: 5, windowSeconds: 60 },
  subscribe: { max: 5, windowSeconds: 600 },
  like: { max: 30, windowSeconds: 60 },
  upload: { max: 30, windowSeconds: 600 },
} as const;

export type RateLimitKind = keyof typeof RATE_LIMITS;

/** Most keys the fallback counter holds per container; past it the oldest windows are forgotten first. */
export const FALLBACK_MAX_KEYS = 10_000;

export interface RateLimiter {
  /** Counts one request; a 429 when any of its keys is past the limit. */
  enforce(kind: RateLimitKind, request: ApiRequest, clientId?: string): Promise<void>;
}

/** The keys a request is counted under: never only what the client sent. */
export function rateLimitKeys(request: ApiRequest, clientId?: string): string[] {
  const keys = [`ip:${addressKey(request.readerIp)}`];
  if (request.author) keys.push(`sub:${request.author.sub}`);
  if (clientId && !clientId.startsWith("ip:")) keys.push(`client:${clientId}`);
  return keys;
}

/** Fixed windows in a Map (insertion order = age), at most `maxKeys` of them. */
export class FallbackCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxKeys = FALLBACK_MAX_KEYS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  count(key: string, windowSeconds: number): { count: number; resetSeconds: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.delete(key);
      while (this.windows.size >= this.maxKeys) {
        const oldest = this.windows.keys().next().value as string;
        this.windows.delete(oldest);
      }
      window = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }
}

export function createRateLimiter(
  cache: Cache,
  logger: Logger,
  fallback = new FallbackCounter(),
): RateLimiter {
  let usingFallback = false;
  const countOne = async (key: string, windowSeconds: number) => {
    const counted = await cache.count(key, windowSeconds);
    if (counted) {
      if (usingFallback) logger.info("Rate limits counted in Redis again");
      usingFallback = false;
      return counted;
    }
    if (!usingFallback) {
      logger.warn("Rate limits counted per container: Redis cannot count", { fallbackKeys: fallback.size });
    }
    usingFallback = true;
    return fallback.count(key, windowSeconds);
  };
  return {
    async enforce(kind, request, clientId) {
      const limit = RATE_LIMITS[kind];
      const counts = await Promise.all(
        rateLimitKeys(request, clientId).map((key) => countOne(`rate:${kind}:${key}`, limit.windowSeconds)),
      );
      const over = counts.filter((counted) => counted.count > limit.max);
      if (over.length > 0) {
        const resetSeconds = Math.max(...over.map((counted) => counted.resetSeconds));
        throw new RateLimitedError(
          `Too many requests: at most ${limit.max} per ${limit.windowSeconds} seconds, retry in ${resetSeconds} s`,
          resetSeconds,
        );
      }
    },
  };
}
