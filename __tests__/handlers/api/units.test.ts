/** The API's pure pieces: signing, cursors, slugs, routing, media URLs, error classification. */
import { FallbackCounter } from "../../../handlers/api/routes/rate-limits";
import { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost as sdkPresignedPost } from "@aws-sdk/s3-presigned-post";
import { likeTransaction } from "../../../handlers/api/dynamo-stores";
import { elastiCacheAuthToken } from "../../../handlers/api/elasticache-auth";
import { mediaUrl, photoView, smallestThumbnailUrl } from "../../../handlers/api/media";
import { decodeCursor, encodeCursor } from "../../../handlers/api/posts-store";
import { bucketUrl, createPresignedPost } from "../../../handlers/api/presigned-post";
import { Router } from "../../../handlers/api/router";
import { slugify } from "../../../handlers/api/schemas";
import { MethodNotAllowedError, NotFoundError } from "../../../handlers/shared/errors";
import { createLogger } from "../../../handlers/shared/logger";
import { createPgPool, isConnectionError } from "../../../handlers/shared/postgres";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

describe("presigned POST", () => {
  const request = {
    bucket: "myblog-prod-uploads",
    key: "uploads/sub-1/0f8fad5b-d9cb-469f-a165-70867728950e.jpg",
    conditions: [
      ["content-length-range", 1, 1024],
      ["eq", "$Content-Type", "image/jpeg"],
    ] as const,
    fields: { "Content-Type": "image/jpeg" },
    expiresSeconds: 300,
  };

  it.each([
    ["AWS", undefined, "https://myblog-prod-uploads.s3.eu-west-1.amazonaws.com/"],
    ["a local endpoint", "http://127.0.0.1:4569", "http://127.0.0.1:4569/myblog-prod-uploads"],
  ])("signs the same form as @aws-sdk/s3-presigned-post (%s)", async (_name, endpoint, url) => {
    const now = new Date("2026-05-04T03:02:01.000Z");
    jest.useFakeTimers({ now, doNotFake: ["nextTick", "setImmediate", "setTimeout", "setInterval"] });
    try {
      const client = new S3Client({
        region: "eu-west-1",
        credentials,
        endpoint,
        forcePathStyle: endpoint !== undefined,
      });
      const expected = await sdkPresignedPost(client, {
        Bucket: request.bucket,
        Key: request.key,
        Conditions: request.conditions.map((c) => [...c]) as never,
        Fields: request.fields,
        Expires: request.expiresSeconds,
      });
      client.destroy();
      const ours = await createPresignedPost(
        { region: "eu-west-1", credentials: async () => credentials, endpoint },
        request,
        now,
      );
      expect(ours).toEqual(expected);
      expect(ours.url).toBe(url);
    } finally {
      jest.useRealTimers();
    }
  });

  it("adds the session token of temporary credentials and uses the China domain there", async () => {
    const form = await createPresignedPost(
      { region: "cn-north-1", credentials: async () => ({ ...credentials, sessionToken: "token" }) },
      request,
    );
    expect(form.fields["X-Amz-Security-Token"]).toBe("token");
    expect(form.url).toBe("https://myblog-prod-uploads.s3.cn-north-1.amazonaws.com.cn/");
    expect(bucketUrl({ region: "x", endpoint: "http://h:1/" }, "b")).toBe("http://h:1/b");
  });
});

describe("ElastiCache IAM auth token", () => {
  it("is a SigV4-presigned connect request for the user, valid 15 minutes, without the scheme", async () => {
    const token = await elastiCacheAuthToken({
      replicationGroupId: "myblog-prod-cache",
      user: "myblog-api",
      region: "eu-west-1",
      credentials,
      signingDate: new Date("2026-05-04T03:02:01Z"),
    });
    const url = new URL(`http://${token}`);
    expect(url.host).toBe("myblog-prod-cache");
    expect(url.pathname).toBe("/");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: "connect",
      User: "myblog-api",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKIDEXAMPLE/20260504/eu-west-1/elasticache/aws4_request",
      "X-Amz-Date": "20260504T030201Z",
      "X-Amz-Expires": "900",
      "X-Amz-SignedHeaders": "host",
      "X-Amz-Signature": expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const again = await elastiCacheAuthToken({
      replicationGroupId: "myblog-prod-cache",
      user: "myblog-api",
      region: "eu-west-1",
      credentials,
      signingDate: new Date("2026-05-04T03:02:01Z"),
    });
    expect(again).toBe(token);
  });
});

describe("cursors", () => {
  it("round-trip a microsecond timestamp and id", () => {
    const cursor = { ts: "2026-05-04T03:02:01.123456Z", id: "42" };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    "",
    "x",
    Buffer.from("2026-05-04|1").toString("base64url"),
    Buffer.from("2026-05-04T03:02:01.123456Z|-1").toString("base64url"),
  ])("reject forgeries (%p) with a validation error", (text) => {
    expect(() => decodeCursor(text)).toThrow(
      expect.objectContaining({ kind: "validation", code: "validation_failed" }),
    );
  });
});

describe("slugify", () => {
  it.each([
    ["Été à Paris!", "ete-a-paris"],
    ["  Hello,   World  ", "hello-world"],
    ["日本", ""],
    ["a".repeat(150), "a".repeat(100)],
  ])("%p → %p", (title, slug) => expect(slugify(title)).toBe(slug));
});

describe("router", () => {
  const router = new Router<string>()
    .add("GET", "/api/posts", "list")
    .add("POST", "/api/posts", "create")
    .add("GET", "/api/posts/{slug}", "get");

  it("matches literal and parameter segments, decoding parameters", () => {
    expect(router.match("GET", "/api/posts/")).toEqual({ handler: "list", params: {} });
    expect(router.match("GET", "/api/posts/caf%C3%A9")).toEqual({ handler: "get", params: { slug: "café" } });
    expect(router.match("GET", "/api/posts/%E0%A4%A")).toEqual({
      handler: "get",
      params: { slug: "%E0%A4%A" },
    });
  });

  it("answers 405 with the allowed methods for a known path, 404 otherwise", () => {
    expect(() => router.match("DELETE", "/api/posts")).toThrow(MethodNotAllowedError);
    expect(router.methodsAt("/api/posts")).toEqual(["GET", "POST"]);
    expect(() => router.match("GET", "/api/posts/a/b")).toThrow(NotFoundError);
    expect(() => router.match("GET", `/api/${"x".repeat(2000)}`)).toThrow(NotFoundError);
  });
});

describe("media URLs", () => {
  const record = {
    key: "uploads/a/1.jpg",
    status: "ready" as const,
    original: "media/a/1/original.jpg",
    thumbnails: { "1200": "media/a/1/w1200.jpg", "400": "media/a/1/w400.jpg" },
  };

  it("map media keys under the CloudFront /media path", () => {
    expect(mediaUrl("/media", "media/a/1/w400.jpg")).toBe("/media/a/1/w400.jpg");
    expect(smallestThumbnailUrl("/media", record)).toBe("/media/a/1/w400.jpg");
    expect(smallestThumbnailUrl("/media", { ...record, status: "processing" })).toBeNull();
    expect(photoView("/media", record.key, record)).toMatchObject({
      originalUrl: "/media/a/1/original.jpg",
      thumbnails: { "400": "/media/a/1/w400.jpg", "1200": "/media/a/1/w1200.jpg" },
    });
    expect(photoView("/media", "uploads/a/2.jpg", undefined)).toEqual({
      key: "uploads/a/2.jpg",
      status: "pending",
    });
  });
});

describe("like transaction", () => {
  it("puts the client's marker only if new and adds one to the counter, atomically", () => {
    const input = likeTransaction("counters", "hello", "client-1", new Date("2026-01-01T00:00:00Z"));
    expect(input.TransactItems).toEqual([
      {
        Put: {
          TableName: "counters",
          Item: { pk: "post#hello", sk: "like#client-1", likedAt: "2026-01-01T00:00:00.000Z" },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: "counters",
          Key: { pk: "post#hello", sk: "counter" },
          UpdateExpression: "ADD likes :one",
          ExpressionAttributeValues: { ":one": 1 },
        },
      },
    ]);
  });
});

describe("database error classification", () => {
  const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });
  it.each([
    [withCode("ECONNREFUSED"), true],
    [withCode("57P01"), true],
    [withCode("08006"), true],
    [new Error("timeout exceeded when trying to connect"), true],
    [new Error("Connection terminated unexpectedly"), true],
    [withCode("23505", "duplicate key"), false],
    [withCode("42P01", "relation does not exist"), false],
    ["not an error", false],
  ])("%p → %p", (error, expected) => expect(isConnectionError(error)).toBe(expected));
});

describe("PostgreSQL pool settings", () => {
  const logger = createLogger({ serviceName: "units", logLevel: "SILENT", version: "test" });
  const settings = {
    host: "h",
    port: 5432,
    database: "d",
    user: "u",
    password: "p",
    ssl: "disable",
  } as const;
  it("sends the statement timeout at startup directly, not to RDS Proxy, which refuses it; the client timeout stays", async () => {
    const direct = createPgPool({ ...settings, statementTimeoutMs: 5000 }, logger);
    const proxied = createPgPool({ ...settings, statementTimeoutMs: 5000, viaProxy: true }, logger);
    expect(direct.options).toMatchObject({ statement_timeout: 5000, query_timeout: 6000 });
    expect(proxied.options.statement_timeout).toBeUndefined();
    expect(proxied.options).toMatchObject({ query_timeout: 6000, application_name: "myblog" });
    await Promise.all([direct.end(), proxied.end()]);
  });
});

describe("FallbackCounter (per-container rate limits while Redis is down)", () => {
  it("counts fixed windows and never holds more than its maximum of keys", () => {
    let now = 0;
    const counter = new FallbackCounter(100, () => now);
    expect(counter.count("a", 60)).toEqual({ count: 1, resetSeconds: 60 });
    expect(counter.count("a", 60).count).toBe(2);
    now = 61_000;
    expect(counter.count("a", 60).count).toBe(1);
    for (let i = 0; i < 10_000; i++) counter.count(`k${i}`, 60);
    expect(counter.size).toBe(100);
  });
});
