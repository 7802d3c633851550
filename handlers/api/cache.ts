/**
 * The read cache (cache-aside) and rate counters in Redis. The cache is an optimisation, never a dependency:
 * commands have short timeouts, nothing queues while the connection is down, and every failure turns into "no
 * cached value" (reads go to PostgreSQL) with a warning in the logs. No request ever fails because of Redis.
 */
import { createClient, type RedisClientType } from "@redis/client";
import type { Logger } from "../shared/logger";

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** A field of a hash: one key per family of pages (e.g. every page of the post list) so one DEL drops them all. */
  getField(key: string, field: string): Promise<string | undefined>;
  /** Sets a field; the hash's TTL starts with its first field, so no page outlives `ttlSeconds`. */
  setField(key: string, field: string, value: string, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Counts a hit in a fixed window; undefined when the cache cannot count (the caller then fails open). */
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
  const client: RedisClientType = createClient({
    socket: {
      host: settings.host,
      port: settings.port,
      ...(settings.tls ? { tls: true as const, servername: settings.host } : { tls: false as const }),
      connectTimeout: settings.connectTimeoutMs ?? 300,
      // Keep trying in the background, never faster than every 100 ms nor slower than every 5 s.
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
    },
    // Fail fast while disconnected instead of queueing commands behind a dead connection.
    disableOfflineQueue: true,
    commandOptions: { timeout: settings.commandTimeoutMs ?? 150 },
    ...(settings.credentials
      ? {
          credentialsProvider: {
            type: "async-credentials-provider" as const,
            credentials: settings.credentials,
          },
        }
      : {}),
  }) as RedisClientType;

  let healthy = true;
  const degraded = (operation: string, error: unknown) => {
    // One warning per outage and operation would hide nothing useful; log each so the degradation shows in metrics.
    logger.warn("Cache unavailable: answering from the database", {
      operation,
      error: (error as Error).message,
    });
  };
  client.on("error", (error: unknown) => {
    if (healthy) logger.warn("Redis connection error", { error: (error as Error).message });
    healthy = false;
  });
  client.on("ready", () => {
    if (!healthy) logger.info("Redis connection restored");
    healthy = true;
  });
  // The first request of a cold container waits for the connection, but no longer than the connect timeout.
  let firstConnect: Promise<unknown> | undefined = Promise.race([
    client.connect().catch((error: unknown) => degraded("connect", error)),
    new Promise((resolve) => setTimeout(resolve, settings.connectTimeoutMs ?? 300).unref()),
  ]).finally(() => (firstConnect = undefined));

  /** Runs a command when connected; any failure becomes `fallback`. */
  const guarded = async <T>(operation: string, fallback: T, command: () => Promise<T>): Promise<T> => {
    if (firstConnect) await firstConnect;
    if (!client.isReady) {
      degraded(operation, new Error("not connected"));
      return fallback;
    }
    try {
      return await command();
    } catch (error) {
      degraded(operation, error);
      return fallback;
    }
  };

  return {
    get: (key) => guarded("get", undefined, async () => (await client.get(key)) ?? undefined),
    set: (key, value, ttlSeconds) =>
      guarded("set", undefined, async () => {
        await client.set(key, value, { expiration: { type: "EX", value: ttlSeconds } });
      }),
    getField: (key, field) =>
      guarded("getField", undefined, async () => (await client.hGet(key, field)) ?? undefined),
    setField: (key, field, value, ttlSeconds) =>
      guarded("setField", undefined, async () => {
        await client.multi().hSet(key, field, value).expire(key, ttlSeconds, "NX").exec();
      }),
    delete: (...keys) =>
      guarded("delete", undefined, async () => {
        if (keys.length > 0) await client.del(keys);
      }),
    count: (key, windowSeconds) =>
      guarded("count", undefined, async () => {
        const [count, , ttl] = await client
          .multi()
          .incr(key)
          .expire(key, windowSeconds, "NX")
          .ttl(key)
          .exec();
        return { count: Number(count), resetSeconds: Math.max(1, Number(ttl)) };
      }),
    ping: () =>
      guarded("ping", "down" as const, async () => ((await client.ping()) === "PONG" ? "up" : "down")),
    close: async () => {
      if (client.isOpen) client.destroy();
    },
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
