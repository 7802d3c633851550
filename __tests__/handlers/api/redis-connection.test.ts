/**
 * The API's own Redis client: the RESP2 parser and encoder on their own (including replies cut anywhere by TCP),
 * then the connection against real redis-servers (local/redis.ts): pipelining, MULTI/EXEC, error replies,
 * timeouts, a server that dies and comes back, ACL authentication, TLS, and destroy() letting the process exit.
 * @redis/client serves as an independent client to set the servers up.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createClient } from "@redis/client";
import fc from "fast-check";
import { createRedisCache } from "../../../handlers/api/cache";
import {
  createRedisConnection,
  createReplyParser,
  encodeCommand,
  RedisReplyError,
  type RedisConnection,
  type RedisConnectionOptions,
  type RedisReply,
} from "../../../handlers/api/redis-connection";
import { createLogger } from "../../../handlers/shared/logger";
import { startRedis, type LocalRedis } from "../../../local/redis";

const run = promisify(execFile);

/** Errors as plain objects, so replies compare with toEqual. */
const plain = (reply: RedisReply): unknown =>
  reply instanceof RedisReplyError
    ? { error: reply.message }
    : Array.isArray(reply)
      ? reply.map(plain)
      : reply;

const parseAll = (...chunks: (string | Buffer)[]) => {
  const parse = createReplyParser();
  return chunks.flatMap((chunk) => parse(Buffer.from(chunk)).map(plain));
};

describe("RESP encoding", () => {
  it("writes commands as arrays of bulk strings whose lengths count UTF-8 bytes", () => {
    expect(encodeCommand(["SET", "ключ", "😀", 30]).toString()).toBe(
      "*4\r\n$3\r\nSET\r\n$8\r\nключ\r\n$4\r\n😀\r\n$2\r\n30\r\n",
    );
    expect(encodeCommand(["ECHO", ""]).toString()).toBe("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  });
});

describe("RESP parsing", () => {
  it.each<[string, string, unknown]>([
    ["a simple string", "+OK\r\n", "OK"],
    ["an error", "-WRONGTYPE Operation against a key\r\n", { error: "WRONGTYPE Operation against a key" }],
    ["an integer", ":42\r\n", 42],
    ["a negative integer", ":-2\r\n", -2],
    ["a bulk string", "$5\r\nhello\r\n", "hello"],
    ["a bulk string holding CRLF", "$4\r\na\r\nb\r\n", "a\r\nb"],
    ["an empty bulk string", "$0\r\n\r\n", ""],
    ["a null bulk string", "$-1\r\n", null],
    ["a null array", "*-1\r\n", null],
    ["an empty array", "*0\r\n", []],
    [
      "nested arrays with nulls and errors",
      "*3\r\n*2\r\n:1\r\n$-1\r\n*-1\r\n-ERR x\r\n",
      [[1, null], null, { error: "ERR x" }],
    ],
  ])("reads %s", (_name, wire, expected) => {
    expect(parseAll(wire)).toEqual([expected]);
  });

  it("errors are RedisReplyError with the server's text", () => {
    const [reply] = createReplyParser()(Buffer.from("-ERR unknown command\r\n"));
    expect(reply).toBeInstanceOf(RedisReplyError);
    expect((reply as Error).message).toBe("ERR unknown command");
  });

  it("reads multi-byte UTF-8 bulk strings split inside a character", () => {
    const bytes = Buffer.from("$7\r\nhé😀\r\n");
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseAll(bytes.subarray(0, cut), bytes.subarray(cut))).toEqual(["hé😀"]);
    }
  });

  it("reads many replies from one chunk and keeps the rest for the next", () => {
    const parse = createReplyParser();
    expect(parse(Buffer.from("+OK\r\n:1\r\n$3\r\nab"))).toEqual(["OK", 1]);
    expect(parse(Buffer.from("c\r\n*1\r"))).toEqual(["abc"]);
    expect(parse(Buffer.from("\n:7\r\n"))).toEqual([[7]]);
  });

  it("rejects bytes that are no RESP2 reply", () => {
    expect(() => parseAll("%1\r\n")).toThrow('Redis protocol error: unexpected reply type "%"');
  });

  type Tagged =
    | { kind: "simple" | "error"; text: string }
    | { kind: "integer"; value: number }
    | { kind: "bulk"; text: string | null }
    | { kind: "array"; items: Tagged[] | null };
  const wire = (reply: Tagged): string => {
    switch (reply.kind) {
      case "simple":
        return `+${reply.text}\r\n`;
      case "error":
        return `-${reply.text}\r\n`;
      case "integer":
        return `:${reply.value}\r\n`;
      case "bulk":
        return reply.text === null ? "$-1\r\n" : `$${Buffer.byteLength(reply.text)}\r\n${reply.text}\r\n`;
      case "array":
        return reply.items === null
          ? "*-1\r\n"
          : `*${reply.items.length}\r\n${reply.items.map(wire).join("")}`;
    }
  };
  const value = (reply: Tagged): unknown => {
    switch (reply.kind) {
      case "error":
        return { error: reply.text };
      case "integer":
        return reply.value;
      case "array":
        return reply.items?.map(value) ?? null;
      default:
        return reply.text;
    }
  };
  const line = fc.string({ unit: "grapheme", maxLength: 20 }).filter((text) => !/[\r\n]/.test(text));
  const { reply } = fc.letrec<{ reply: Tagged; array: Tagged }>((tie) => ({
    reply: fc.oneof(
      { depthSize: "small" },
      fc.record({ kind: fc.constantFrom("simple" as const, "error" as const), text: line }),
      fc.record({ kind: fc.constant("integer" as const), value: fc.integer() }),
      fc.record({
        kind: fc.constant("bulk" as const),
        text: fc.option(fc.string({ unit: "binary", maxLength: 30 }), { nil: null }),
      }),
      tie("array"),
    ),
    array: fc.record({
      kind: fc.constant("array" as const),
      items: fc.option(fc.array(tie("reply"), { maxLength: 4 }), { nil: null }),
    }),
  }));

  it("reads any sequence of replies the same however TCP cuts it", () => {
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 8 }), fc.array(fc.nat()), (replies, cuts) => {
        const bytes = Buffer.from(replies.map(wire).join(""));
        const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...offsets].map((start, i) =>
          bytes.subarray(start, [...offsets, bytes.length][i]),
        );
        expect(parseAll(...chunks)).toEqual(replies.map(value));
      }),
    );
  });
});

const waitFor = async (what: string, condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const servers: LocalRedis[] = [];
const connections: RedisConnection[] = [];
const admins: { destroy(): void }[] = [];
afterAll(async () => {
  for (const connection of connections) connection.destroy();
  for (const admin of admins) admin.destroy();
  await Promise.all(servers.map((server) => server.stop()));
});
const server = async (options?: Parameters<typeof startRedis>[0]) => {
  const started = await startRedis(options);
  servers.push(started);
  return started;
};
const connect = (redis: LocalRedis, options: Partial<RedisConnectionOptions> = {}) => {
  const connection = createRedisConnection({ host: redis.host, port: redis.port, ...options });
  connections.push(connection);
  return connection;
};
const adminOf = async (redis: LocalRedis) => {
  const admin = createClient({ socket: { host: redis.host, port: redis.port } });
  admins.push(admin);
  await admin.connect();
  return admin;
};

describe("a connection to redis-server", () => {
  let redis: LocalRedis;
  let admin: Awaited<ReturnType<typeof adminOf>>;
  let connection: RedisConnection;
  beforeAll(async () => {
    redis = await server();
    admin = await adminOf(redis);
    // Generous timeout: these tests are about replies, not speed (900 pipelined commands on a busy CI machine
    // can take longer than the 150 ms default); the timeout has its own test below.
    connection = connect(redis, { commandTimeoutMs: 10_000 });
    await connection.ready();
  });

  it("runs GET, SET, DEL, HSET and HGET", async () => {
    expect(await connection.command(["SET", "greeting", "grüß dich 👋", "EX", 60])).toBe("OK");
    expect(await connection.command(["GET", "greeting"])).toBe("grüß dich 👋");
    expect(await admin.ttl("greeting")).toBeGreaterThan(50);
    expect(await connection.command(["HSET", "pages", "1", "first", "2", "second"])).toBe(2);
    expect(await connection.command(["HGET", "pages", "2"])).toBe("second");
    expect(await connection.command(["HGET", "pages", "3"])).toBeNull();
    expect(await connection.command(["DEL", "greeting", "pages", "missing"])).toBe(2);
    expect(await connection.command(["GET", "greeting"])).toBeNull();
  });

  it("matches pipelined replies to their commands in order", async () => {
    const values = Array.from({ length: 300 }, (_, i) => `value-${i}-${"x".repeat(i * 7)}`);
    const replies = await Promise.all(
      values.flatMap((value, i) => [
        connection.command(["SET", `pipelined:${i}`, value]),
        connection.command(["GET", `pipelined:${i}`]),
        connection.command(["ECHO", value]),
      ]),
    );
    expect(replies).toEqual(values.flatMap((value) => ["OK", value, value]));
  });

  it("runs MULTI/EXEC and resolves with EXEC's results", async () => {
    await connection.command(["DEL", "counter", "page"]);
    expect(
      await connection.transaction([
        ["INCR", "counter"],
        ["EXPIRE", "counter", 60, "NX"],
        ["TTL", "counter"],
        ["HSET", "page", "a", "1"],
      ]),
    ).toEqual([1, 1, 60, 1]);
  });

  it("rejects a transaction on a queued-command error, a per-command error, or an aborted EXEC", async () => {
    await expect(connection.transaction([["SET", "lonely"]])).rejects.toThrow(
      "ERR wrong number of arguments for 'set' command",
    );
    await expect(
      connection.transaction([
        ["SET", "word", "abc"],
        ["INCR", "word"],
      ]),
    ).rejects.toThrow(new RedisReplyError("ERR value is not an integer or out of range"));
    expect(await connection.command(["GET", "word"])).toBe("abc");

    // WATCH, then a change from another client: EXEC answers a null array.
    await connection.command(["WATCH", "watched"]);
    await admin.set("watched", "changed");
    await expect(connection.transaction([["SET", "watched", "mine"]])).rejects.toThrow("transaction aborted");
    expect(await connection.command(["GET", "watched"])).toBe("changed");
  });

  it("rejects with the server's error reply and keeps later replies in step", async () => {
    await connection.command(["SET", "plain", "string"]);
    const replies = await Promise.allSettled([
      connection.command(["GET", "plain"]),
      connection.command(["HGET", "plain", "field"]),
      connection.command(["ECHO", "after"]),
    ]);
    expect(replies[0]).toEqual({ status: "fulfilled", value: "string" });
    expect(replies[1]).toMatchObject({ status: "rejected", reason: expect.any(RedisReplyError) });
    expect((replies[1] as PromiseRejectedResult).reason.message).toMatch(
      /^WRONGTYPE Operation against a key/,
    );
    expect(replies[2]).toEqual({ status: "fulfilled", value: "after" });
  });

  it("times a command out and drops its late reply", async () => {
    const timed = connect(redis); // the default command timeout, 150 ms
    await timed.ready();
    await timed.command(["SET", "early", "A"]);
    await timed.command(["SET", "later", "B"]);
    await admin.sendCommand(["CLIENT", "PAUSE", "500", "ALL"]);
    const started = Date.now();
    await expect(timed.command(["GET", "early"])).rejects.toThrow("Redis command GET timed out after 150 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // GET early's reply arrives first now, and must not be taken for GET later's.
    expect(await timed.command(["GET", "later"])).toBe("B");
    expect(timed.isReady).toBe(true);
  });
});

describe("outages", () => {
  it("rejects pending and new commands at once when the server dies, and reconnects when it is back", async () => {
    const redis = await server();
    const events: string[] = [];
    const connection = connect(redis, {
      commandTimeoutMs: 10_000,
      onReady: () => events.push("ready"),
      onError: (error) => events.push(`error: ${error.message}`),
    });
    await connection.ready();
    const blocked = connection.command(["BLPOP", "never", 0]);
    await new Promise((resolve) => setTimeout(resolve, 50));

    await redis.kill();
    const killed = Date.now();
    await expect(blocked).rejects.toThrow("Redis connection lost");
    expect(Date.now() - killed).toBeLessThan(200);
    expect(connection.isReady).toBe(false);
    await expect(connection.command(["PING"])).rejects.toThrow(
      `Redis not connected (127.0.0.1:${redis.port})`,
    );
    expect(events[0]).toBe("ready");
    expect(events[1]).toMatch(/^error: /);

    await redis.start();
    await waitFor("the reconnection", () => connection.isReady);
    expect(await connection.command(["PING"])).toBe("PONG");
    expect(events.at(-1)).toBe("ready");
  });

  it("lets the cache log one connection error per outage and the restoration", async () => {
    const redis = await server();
    const logger = createLogger({ serviceName: "cache-test", logLevel: "SILENT", version: "test" });
    const warn = jest.spyOn(logger, "warn");
    const info = jest.spyOn(logger, "info");
    // A generous command timeout so a busy machine cannot turn the first reads into misses.
    const cache = createRedisCache(
      { host: redis.host, port: redis.port, tls: false, commandTimeoutMs: 5_000 },
      logger,
    );
    try {
      await cache.set("k", "v", 60);
      expect(await cache.get("k")).toBe("v");
      expect(await cache.count("hits", 30)).toEqual({ count: 1, resetSeconds: 30 });

      await redis.kill();
      expect(await cache.get("k")).toBeUndefined();
      expect(await cache.ping()).toBe("down");
      await new Promise((resolve) => setTimeout(resolve, 500)); // a few failed reconnection attempts
      const connectionErrors = () =>
        warn.mock.calls.filter(([message]) => message === "Redis connection error");
      expect(connectionErrors()).toHaveLength(1);
      // The GET either went out before the client saw the connection close ("connection lost") or after it
      // ("not connected"); both fall back the same way.
      expect(warn).toHaveBeenCalledWith("Cache unavailable: answering from the database", {
        operation: "get",
        error: expect.stringMatching(/^Redis (connection lost|not connected)/),
      });

      await redis.start();
      await waitFor("the restoration", () =>
        info.mock.calls.some(([message]) => message === "Redis connection restored"),
      );
      expect(await cache.ping()).toBe("up");
      expect(connectionErrors()).toHaveLength(1);
    } finally {
      await cache.close();
    }
  });

  it("fails the first connection when nothing listens, and keeps trying", async () => {
    const redis = await server();
    await redis.kill();
    const errors: string[] = [];
    const connection = connect(redis, { onError: (error) => errors.push(error.message) });
    await expect(connection.ready()).rejects.toThrow("ECONNREFUSED");
    await waitFor("retries", () => errors.length >= 3, 2000);
    await redis.start();
    await waitFor("the connection", () => connection.isReady);
  });

  it("stops reconnecting after destroy()", async () => {
    const redis = await server();
    let readies = 0;
    const connection = connect(redis, { onReady: () => readies++, commandTimeoutMs: 10_000 });
    await connection.ready();
    const blocked = connection.command(["BLPOP", "never", 0]);
    connection.destroy();
    await expect(blocked).rejects.toThrow("Redis connection destroyed");
    await expect(connection.ready()).rejects.toThrow("Redis connection destroyed");
    await redis.kill();
    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(readies).toBe(1);
    expect(connection.isReady).toBe(false);
  });

  it("lets the process exit after destroy(), and while reconnecting", async () => {
    const redis = await server();
    const dir = mkdtempSync(path.join(tmpdir(), "redis-exit-"));
    try {
      const script = path.join(dir, "exit.ts");
      writeFileSync(
        script,
        `import { createRedisConnection } from ${JSON.stringify(path.resolve("handlers/api/redis-connection"))};
        const connection = createRedisConnection({ host: "127.0.0.1", port: ${redis.port} });
        connection.ready().then(async () => {
          console.log(await connection.command(["PING"]));
          connection.destroy();
        });
        // Never destroyed, but its reconnection timers must not hold the process either.
        createRedisConnection({ host: "127.0.0.1", port: 1 });`,
      );
      const { stdout } = await run(process.execPath, ["--import", "tsx", script], { timeout: 15_000 });
      expect(stdout.trim()).toBe("PONG");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("authentication", () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await server();
    const admin = await adminOf(redis);
    await admin.sendCommand(["ACL", "SETUSER", "api", "on", ">s3cret", "~*", "+@all"]);
  });

  it("sends AUTH with fresh credentials on every connection before it counts as ready", async () => {
    const credentials = jest.fn(async () => ({ username: "api", password: "s3cret" }));
    const connection = connect(redis, { credentials });
    await connection.ready();
    expect(credentials).toHaveBeenCalledTimes(1);
    expect(await connection.command(["ACL", "WHOAMI"])).toBe("api");

    const admin = await adminOf(redis);
    await admin.sendCommand(["CLIENT", "KILL", "USER", "api"]);
    await waitFor("the reconnection", () => credentials.mock.calls.length === 2 && connection.isReady);
    expect(await connection.command(["ACL", "WHOAMI"])).toBe("api");
  });

  it("is not ready with a wrong password, and says why", async () => {
    const errors: Error[] = [];
    const connection = connect(redis, {
      credentials: async () => ({ username: "api", password: "wrong" }),
      onError: (error) => errors.push(error),
    });
    await expect(connection.ready()).rejects.toThrow("WRONGPASS invalid username-password pair");
    expect(connection.isReady).toBe(false);
    await expect(connection.command(["PING"])).rejects.toThrow("Redis not connected");
    expect(errors[0]).toBeInstanceOf(RedisReplyError);
  });

  it("is not ready when the credentials cannot be had", async () => {
    const connection = connect(redis, {
      credentials: async () => {
        throw new Error("no AWS credentials");
      },
    });
    await expect(connection.ready()).rejects.toThrow("no AWS credentials");
  });
});

describe("TLS", () => {
  let redis: LocalRedis;
  let certificate: string;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "redis-tls-"));
    const certFile = path.join(dir, "cert.pem");
    const keyFile = path.join(dir, "key.pem");
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]);
    redis = await server({ tls: { certFile, keyFile } });
    certificate = readFileSync(certFile, "utf8");
    rmSync(dir, { recursive: true, force: true });
  });

  it("connects over TLS, checking the certificate against the CA it is given", async () => {
    expect(redis.env.CACHE_TLS).toBe("true");
    const connection = connect(redis, { tls: true, ca: certificate, connectTimeoutMs: 2000 });
    await connection.ready();
    expect(await connection.command(["SET", "secure", "yes"])).toBe("OK");
    expect(await connection.command(["GET", "secure"])).toBe("yes");
  });

  it("refuses a certificate Node's CAs do not vouch for", async () => {
    const connection = connect(redis, { tls: true, connectTimeoutMs: 2000 });
    await expect(connection.ready()).rejects.toThrow("self-signed certificate");
  });
});
