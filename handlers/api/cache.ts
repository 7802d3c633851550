/**
 * The read cache (cache-aside) and rate counters in Redis. The cache is an optimisation, never a dependency:
 * commands have short timeouts, nothing queues while the connection is down, and every failure turns into "no
 * cached value" (reads go to PostgreSQL) with a warning in the logs. No request ever fails because of Redis.
 */
import type { Logger } from "../shared/logger";
import { createRedisConnection, type RedisReply } from "./redis-connection";

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** A field of a hash: one key per family of pages (e.g. every page of the post list) so one DEL drops them all. */
  getField(key: string, field: string): Promise<string | undefined>;
  /** Sets a field; the hash's TTL starts with its first field, so no page outlives `ttlSeconds`. */
  setField(key: string, field: string, value: string, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Counts a hit in a fixed window; undefined when the cache cannot count (the caller then counts per container). */
  count(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number } | undefined>;
  /** "up" when Redis answered a PING in time. */
  ping(): Promise<"up" | "down" | "disabled">;
  close(): Promise<void>;
}

export interface RedisCacheSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Called on every (re)connection, e.g. to sign a fresh ElastiCache IAM token. */
  readonly credentials?: () => Promise<{ username: string; password: string }>;
  /** @default 300 */
  readonly connectTimeoutMs?: number;
  /** @default 150 */
  readonly commandTimeoutMs?: number;
}

export function createRedisCache(settings: RedisCacheSettings, logger: Logger): Cache {
  let healthy = true;
  const redis = createRedisConnection({
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    credentials: settings.credentials,
    connectTimeoutMs: settings.connectTimeoutMs,
    commandTimeoutMs: settings.commandTimeoutMs,
    onError: (error) => {
      if (healthy) logger.warn("Redis connection error", { error: error.message });
      healthy = false;
    },
    onReady: () => {
      if (!healthy) logger.info("Redis connection restored");
      healthy = true;
    },
  });

  const degraded = (operation: string, error: unknown) => {
    // One warning per outage and operation would hide nothing useful; log each so the degradation shows in metrics.
    logger.warn("Cache unavailable: answering from the database", {
      operation,
      error: (error as Error).message,
    });
  };
  // The first request of a cold container waits for the connection, but no longer than the connect timeout.
  let firstConnect: Promise<unknown> | undefined = Promise.race([
    redis.ready().catch((error: unknown) => degraded("connect", error)),
    new Promise((resolve) => setTimeout(resolve, settings.connectTimeoutMs ?? 300).unref()),
  ]).finally(() => (firstConnect = undefined));

  /** Runs a command (which fails at once while disconnected); any failure becomes `fallback`. */
  const guarded = async <T>(operation: string, fallback: T, command: () => Promise<T>): Promise<T> => {
    if (firstConnect) await firstConnect;
    try {
      return await command();
    } catch (error) {
      degraded(operation, error);
      return fallback;
    }
  };
  const text = (reply: RedisReply) => (typeof reply === "string" ? reply : undefined);

  return {
    get: (key) => guarded("get", undefined, async () => text(await redis.command(["GET", key]))),
    set: (key, value, ttlSeconds) =>
      guarded("set", undefined, async () => {
        await redis.command(["SET", key, value, "EX", ttlSeconds]);
      }),
    getField: (key, field) =>
      guarded("getField", undefined, async () => text(await redis.command(["HGET", key, field]))),
    setField: (key, field, value, ttlSeconds) =>
      guarded("setField", undefined, async () => {
        await redis.transaction([
          ["HSET", key, field, value],
          ["EXPIRE", key, ttlSeconds, "NX"],
        ]);
      }),
    delete: (...keys) =>
      guarded("delete", undefined, async () => {
        if (keys.length > 0) await redis.command(["DEL", ...keys]);
      }),
    count: (key, windowSeconds) =>
      guarded("count", undefined, async () => {
        const [count, , ttl] = await redis.transaction([
          ["INCR", key],
          ["EXPIRE", key, windowSeconds, "NX"],
          ["TTL", key],
        ]);
        return { count: Number(count), resetSeconds: Math.max(1, Number(ttl)) };
      }),
    ping: () =>
      guarded("ping", "down" as const, async () =>
        (await redis.command(["PING"])) === "PONG" ? "up" : "down",
      ),
    close: async () => redis.destroy(),
  };
}

/** No cache configured (CACHE_HOST unset, e.g. `npm run dev` without redis-server): every read goes to PostgreSQL. */
export function createDisabledCache(): Cache {
  return {
    get: async () => undefined,
    set: async () => undefined,
    getField: async () => undefined,
    setField: async () => undefined,
    delete: async () => undefined,
    count: async () => undefined,
    ping: async () => "disabled",
    close: async () => undefined,
  };
}
