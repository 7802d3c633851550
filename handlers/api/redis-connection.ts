/**
 * A small Redis client for the API's cache: one connection, RESP2, pipelined commands and MULTI/EXEC. It replaces
 * node-redis, whose module initialisation alone (~100 ms, 800+ command methods) broke the cold-start budget while
 * the cache needs seven commands. Built for a cache that must never slow a request down: no offline queue (commands
 * fail at once while disconnected), a timeout per command, reconnection in the background.
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** An error reply of the server; the message is the server's text (e.g. "WRONGTYPE Operation against a key …"). */
export class RedisReplyError extends Error {
  override readonly name = "RedisReplyError";
}

/** Errors nested in an array (EXEC's per-command results) stay values; a top-level error reply rejects instead. */
export type RedisReply = string | number | null | RedisReplyError | RedisReply[];

/** A command as a RESP array of bulk strings; lengths count UTF-8 bytes, not characters. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  let text = `*${args.length}\r\n`;
  for (const arg of args) {
    const value = String(arg);
    text += `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
  }
  return Buffer.from(text);
}

/** Parses one reply at `start`; undefined when the buffer ends before the reply does. */
function parseReply(buffer: Buffer, start: number): { value: RedisReply; end: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n", start);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString("utf8", start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(buffer[start])) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RedisReplyError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RedisReply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(
        `Redis protocol error: unexpected reply type ${JSON.stringify(buffer.toString("utf8", start, start + 1))}`,
      );
  }
}

/**
 * Returns a function that takes the bytes as they arrive and returns the replies completed so far. An incomplete
 * reply is parsed again from its start when more bytes come: the cache's replies are small, so that is cheaper
 * than keeping a resumable state machine.
 */
export function createReplyParser(): (chunk: Buffer) => RedisReply[] {
  let buffer: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    const replies: RedisReply[] = [];
    let offset = 0;
    for (let parsed = parseReply(buffer, 0); parsed; parsed = parseReply(buffer, offset)) {
      replies.push(parsed.value);
      offset = parsed.end;
    }
    buffer = buffer.subarray(offset);
    return replies;
  };
}

export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** TLS with the host's name checked against the certificate. @default false */
  readonly tls?: boolean;
  /** A CA (PEM) to trust instead of Node's bundled ones: tests' self-signed servers. @default Node's CAs */
  readonly ca?: string | Buffer;
  /** Called on every (re)connection and sent as AUTH before the connection counts as ready. */
  readonly credentials?: () => Promise<{ username: string; password: string }>;
  /** Covers TCP, TLS and AUTH. @default 300 */
  readonly connectTimeoutMs?: number;
  /** @default 150 */
  readonly commandTimeoutMs?: number;
  readonly onReady?: () => void;
  /** Each failed connection attempt and each lost connection. */
  readonly onError?: (error: Error) => void;
}

export interface RedisConnection {
  readonly isReady: boolean;
  /** Settles with the outcome of the current (or next) connection attempt; resolves at once when ready. */
  ready(): Promise<void>;
  command(args: readonly (string | number)[]): Promise<RedisReply>;
  /** MULTI, the commands and EXEC in one write; EXEC's results, or the first error (queued, aborted or per command). */
  transaction(commands: readonly (readonly (string | number)[])[]): Promise<RedisReply[]>;
  /** Closes the connection for good: pending commands reject and no reconnection follows. */
  destroy(): void;
}

interface Pending {
  resolve(reply: RedisReply): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
  /** Timed out: the slot stays so later replies match their commands, and its late reply is dropped. */
  done: boolean;
}

export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const connectTimeoutMs = options.connectTimeoutMs ?? 300;
  const commandTimeoutMs = options.commandTimeoutMs ?? 150;
  let socket: Socket | undefined;
  let isReady = false;
  let destroyed = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const pending: Pending[] = [];
  const waiters: { resolve(): void; reject(error: Error): void }[] = [];

  const settleWaiters = (error?: Error) => {
    for (const waiter of waiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  };
  const failPending = (error: Error) => {
    for (const entry of pending.splice(0)) {
      clearTimeout(entry.timer);
      if (!entry.done) entry.reject(error);
    }
  };

  const send = (target: Socket, args: readonly (string | number)[], timeoutMs?: number) =>
    new Promise<RedisReply>((resolve, reject) => {
      const entry: Pending = { resolve, reject, done: false };
      if (timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          entry.done = true;
          reject(new Error(`Redis command ${String(args[0])} timed out after ${timeoutMs} ms`));
        }, timeoutMs).unref();
      }
      pending.push(entry);
      target.write(encodeCommand(args));
    });

  const connect = () => {
    reconnectTimer = undefined;
    const { host, port } = options;
    // SNI takes host names only (Node warns about IP addresses); the certificate is checked against `host` either way.
    const current = options.tls
      ? tlsConnect({ host, port, ca: options.ca, ...(isIP(host) ? {} : { servername: host }) })
      : netConnect({ host, port });
    socket = current;
    current.setNoDelay(true);
    let lastError: Error | undefined;
    const connectTimer = setTimeout(
      () =>
        current.destroy(
          new Error(`Redis connection to ${host}:${port} timed out after ${connectTimeoutMs} ms`),
        ),
      connectTimeoutMs,
    ).unref();

    const parse = createReplyParser();
    current.on("data", (chunk: Buffer) => {
      let replies: RedisReply[];
      try {
        replies = parse(chunk);
      } catch (error) {
        current.destroy(error as Error); // The stream cannot be resynchronised: start over.
        return;
      }
      for (const reply of replies) {
        const entry = pending.shift();
        if (!entry || entry.done) continue;
        clearTimeout(entry.timer);
        if (reply instanceof RedisReplyError) entry.reject(reply);
        else entry.resolve(reply);
      }
    });
    current.once(options.tls ? "secureConnect" : "connect", async () => {
      try {
        if (options.credentials) {
          const { username, password } = await options.credentials();
          if (current.destroyed) return;
          await send(current, ["AUTH", username, password]);
        }
      } catch (error) {
        current.destroy(error as Error);
        return;
      }
      clearTimeout(connectTimer);
      isReady = true;
      attempt = 0;
      options.onReady?.();
      settleWaiters();
    });
    current.on("error", (error) => (lastError = error));
    current.once("close", () => {
      clearTimeout(connectTimer);
      isReady = false;
      socket = undefined;
      if (destroyed) return;
      const error = lastError ?? new Error("Redis connection closed by the server");
      failPending(new Error(`Redis connection lost: ${error.message}`));
      options.onError?.(error);
      settleWaiters(error);
      // Back off from 100 ms to 5 s; a successful connection resets the count.
      reconnectTimer = setTimeout(connect, Math.min(100 * 2 ** attempt++, 5000)).unref();
    });
  };

  const command = (args: readonly (string | number)[]) =>
    isReady && socket
      ? send(socket, args, commandTimeoutMs)
      : Promise.reject(new Error(`Redis not connected (${options.host}:${options.port})`));

  connect();

  return {
    get isReady() {
      return isReady;
    },
    ready: () =>
      isReady
        ? Promise.resolve()
        : destroyed
          ? Promise.reject(new Error("Redis connection destroyed"))
          : new Promise((resolve, reject) => waiters.push({ resolve, reject })),
    command,
    transaction: async (commands) => {
      const replies = await Promise.allSettled([["MULTI"], ...commands, ["EXEC"]].map(command));
      const failed = replies.find((reply) => reply.status === "rejected");
      if (failed) throw failed.reason;
      const results = (replies.at(-1) as PromiseFulfilledResult<RedisReply>).value;
      if (!Array.isArray(results))
        throw new RedisReplyError("Redis transaction aborted (EXEC returned null)");
      const error = results.find((result) => result instanceof RedisReplyError);
      if (error) throw error;
      return results;
    },
    destroy: () => {
      destroyed = true;
      isReady = false;
      clearTimeout(reconnectTimer);
      const error = new Error("Redis connection destroyed");
      failPending(error);
      settleWaiters(error);
      socket?.destroy();
    },
  };
}
