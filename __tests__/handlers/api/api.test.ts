/**
 * The API function against real local services started here: PostgreSQL (schema from the migrate function), Redis,
 * and dynalite / s3rver standing in for DynamoDB and S3 (AWS itself is the only thing not real).
 */
import { parseUploadKey, uploadKey } from "../../../shared/author-folders";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createClient } from "@redis/client";
import { loadApiConfig } from "../../../handlers/api/config";
import { createApiFunction } from "../../../handlers/api/handler";
import { healthRequest } from "../../../handlers/release-hook/app";
import type { HttpResponse } from "../../../handlers/api/http";
import { FUNCTIONS } from "../../../shared/contracts/functions";
import { MAX_UPLOAD_BYTES, UPLOAD_IMAGE_TYPES } from "../../../shared/contracts/limits";
import { freePort } from "../../../local/ports";
import { createServer, type Server, type Socket } from "net";
import { httpEvent, startApiEnvironment, type ApiEnvironment } from "./api-environment";

jest.setTimeout(60_000);

let env: ApiEnvironment;
let db: DynamoDBDocumentClient;
const ada = { sub: "ada-sub", name: "Ada Lovelace", email: "ada@example.com" };
const bob = { sub: "bob-sub", "cognito:username": "bob" };
const clientA = "0f8fad5b-d9cb-469f-a165-70867728950e";
const clientB = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

type EventOptions = Parameters<typeof httpEvent>[2];
const call = (method: string, path: string, options?: EventOptions) =>
  env.api.handler(httpEvent(method, path, options));
const body = (response: HttpResponse) => JSON.parse(response.body);

/** Everything the functions log, to check what they say about degradations and failures. */
let logLines: string[] = [];
const logs = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  env = await startApiEnvironment({ LOG_LEVEL: "WARN", CORS_ALLOWED_ORIGINS: "https://blog.example" });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  // Powertools writes INFO to stdout and WARN/ERROR to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    jest.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = chunk.toString();
      if (text.startsWith('{"level"')) {
        logLines.push(...text.trim().split("\n"));
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
  }
});

afterAll(async () => {
  jest.restoreAllMocks();
  db?.destroy();
  await env?.stop();
});

beforeEach(() => {
  logLines = [];
});

/** A photo key handed out by the API's presigned POST, which the thumbnail function has not processed yet. */
async function pendingPhoto(author: { sub: string }): Promise<string> {
  const presign = await call("POST", "/api/uploads", {
    body: { contentType: "image/png", size: 4 },
    claims: author,
  });
  expect(presign.statusCode).toBe(201);
  return body(presign).key;
}

/** Uploads a photo through the API's presigned POST and records it as the thumbnail function would when done. */
async function readyPhoto(author: { sub: string }, key?: string): Promise<string> {
  key ??= await pendingPhoto(author);
  const uuid = parseUploadKey(key)!.id;
  await db.send(
    new PutCommand({
      TableName: env.tables.photos,
      Item: {
        key,
        status: "ready",
        author: author.sub,
        contentType: "image/png",
        original: `media/${author.sub}/${uuid}/original.png`,
        thumbnails: {
          "400": `media/${author.sub}/${uuid}/w400.jpg`,
          "1200": `media/${author.sub}/${uuid}/w1200.jpg`,
        },
        width: 1600,
        height: 1200,
      },
    }),
  );
  return key;
}

describe("the full flow", () => {
  it("creates a post with photos, lists it, shows it, takes comments, likes and subscribers", async () => {
    const cover = await readyPhoto(ada);
    const created = await call("POST", "/api/posts", {
      claims: ada,
      body: {
        title: "Été à Paris!",
        excerpt: "Summer.",
        body: "# Paris\n\nPhotos.",
        coverKey: cover,
        photoKeys: [cover],
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe("/api/posts/ete-a-paris");
    expect(body(created)).toMatchObject({
      slug: "ete-a-paris",
      author: { name: "Ada Lovelace" },
      likes: 0,
      comments: 0,
    });

    const list = await call("GET", "/api/posts");
    expect(list.statusCode).toBe(200);
    expect(list.headers["cache-control"]).toMatch(/^public, max-age=\d+/);
    const listed = body(list).posts.find((post: { slug: string }) => post.slug === "ete-a-paris");
    const uuid = parseUploadKey(cover)!.id;
    expect(listed).toEqual({
      slug: "ete-a-paris",
      title: "Été à Paris!",
      excerpt: "Summer.",
      coverThumbnailUrl: `${env.env.MEDIA_BASE_URL}/${ada.sub}/${uuid}/w400.jpg`,
      likes: 0,
      publishedAt: expect.any(String),
    });

    const post = body(await call("GET", "/api/posts/ete-a-paris"));
    expect(post.body).toBe("# Paris\n\nPhotos.");
    expect(post.photos).toEqual([
      {
        key: cover,
        status: "ready",
        width: 1600,
        height: 1200,
        originalUrl: `${env.env.MEDIA_BASE_URL}/${ada.sub}/${uuid}/original.png`,
        thumbnails: {
          "400": `${env.env.MEDIA_BASE_URL}/${ada.sub}/${uuid}/w400.jpg`,
          "1200": `${env.env.MEDIA_BASE_URL}/${ada.sub}/${uuid}/w1200.jpg`,
        },
      },
    ]);

    const comment = await call("POST", "/api/posts/ete-a-paris/comments", {
      body: { name: " Grace ", body: "Lovely light." },
      headers: { "x-client-id": clientA },
    });
    expect(comment.statusCode).toBe(201);
    expect(body(comment)).toMatchObject({ name: "Grace", body: "Lovely light." });
    const comments = body(await call("GET", "/api/posts/ete-a-paris/comments"));
    expect(comments.comments.map((c: { body: string }) => c.body)).toEqual(["Lovely light."]);

    const like = await call("POST", "/api/posts/ete-a-paris/like", { headers: { "x-client-id": clientA } });
    expect(body(like)).toEqual({ slug: "ete-a-paris", likes: 1, alreadyLiked: false });
    const again = await call("POST", "/api/posts/ete-a-paris/like", { headers: { "x-client-id": clientA } });
    expect(body(again)).toEqual({ slug: "ete-a-paris", likes: 1, alreadyLiked: true });
    const other = await call("POST", "/api/posts/ete-a-paris/like", { headers: { "x-client-id": clientB } });
    expect(body(other)).toEqual({ slug: "ete-a-paris", likes: 2, alreadyLiked: false });
    const counter = await db.send(
      new GetCommand({ TableName: env.tables.counters, Key: { pk: "post#ete-a-paris", sk: "counter" } }),
    );
    expect(counter.Item?.likes).toBe(2);

    const shown = body(await call("GET", "/api/posts/ete-a-paris"));
    expect(shown).toMatchObject({ likes: 2, comments: 1 });

    const subscribed = await call("POST", "/api/subscribe", {
      body: { email: "  Reader@Example.COM ", name: "Reader" },
    });
    expect(subscribed.statusCode).toBe(202);
    const stored = await db.send(
      new GetCommand({ TableName: env.tables.subscribers, Key: { email: "reader@example.com" } }),
    );
    expect(stored.Item).toMatchObject({
      email: "reader@example.com",
      name: "Reader",
      subscribedAt: expect.any(String),
    });
    const duplicate = await call("POST", "/api/subscribe", {
      body: { email: "reader@example.com", name: "Someone else" },
    });
    expect(duplicate.statusCode).toBe(202);
    const unchanged = await db.send(
      new GetCommand({ TableName: env.tables.subscribers, Key: { email: "reader@example.com" } }),
    );
    expect(unchanged.Item).toEqual(stored.Item);
  });

  it("pages through posts newest first with a cursor", async () => {
    for (let i = 1; i <= 5; i++) {
      const created = await call("POST", "/api/posts", {
        claims: bob,
        body: { slug: `page-${i}`, title: `Page ${i}`, body: "x" },
      });
      expect(created.statusCode).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: HttpResponse = await call("GET", "/api/posts", {
        query: { limit: "2", ...(cursor ? { cursor } : {}) },
      });
      expect(page.statusCode).toBe(200);
      const parsed: { posts: Array<{ slug: string }>; nextCursor: string | null } = body(page);
      expect(parsed.posts.length).toBeLessThanOrEqual(2);
      seen.push(...parsed.posts.map((post) => post.slug));
      cursor = parsed.nextCursor;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual(["page-5", "page-4", "page-3", "page-2", "page-1"]);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe("authors", () => {
  it("need a token, change only their own posts, and cannot reuse a slug", async () => {
    const anonymous = await call("POST", "/api/posts", { body: { title: "Anon", body: "x" } });
    expect(anonymous.statusCode).toBe(401);
    expect(body(anonymous)).toEqual({
      error: { code: "unauthenticated", message: "Sign in as an author to do this" },
    });

    expect(
      (await call("POST", "/api/posts", { claims: ada, body: { slug: "owned", title: "Owned", body: "x" } }))
        .statusCode,
    ).toBe(201);
    const taken = await call("POST", "/api/posts", {
      claims: bob,
      body: { slug: "owned", title: "Mine", body: "y" },
    });
    expect(taken.statusCode).toBe(409);
    expect(body(taken).error.code).toBe("slug_taken");

    const foreign = await call("PUT", "/api/posts/owned", { claims: bob, body: { title: "Hijacked" } });
    expect(foreign.statusCode).toBe(403);
    expect(body(foreign).error.code).toBe("not_author");
    expect((await call("DELETE", "/api/posts/owned", { claims: bob })).statusCode).toBe(403);

    const missing = await call("PUT", "/api/posts/no-such-post", { claims: ada, body: { title: "x" } });
    expect(missing.statusCode).toBe(404);

    const updated = await call("PUT", "/api/posts/owned", { claims: ada, body: { title: "Owned, edited" } });
    expect(updated.statusCode).toBe(200);
    expect(body(updated)).toMatchObject({ title: "Owned, edited", body: "x" });

    const bobsPhoto = await readyPhoto(bob);
    const stolen = await call("PUT", "/api/posts/owned", { claims: ada, body: { photoKeys: [bobsPhoto] } });
    expect(stolen.statusCode).toBe(400);
    expect(body(stolen).error.details).toEqual([
      { path: "body.photoKeys.0", message: "must be one of your uploads" },
    ]);
    // Uploads the browser put into an identity folder name their author the same way (shared/author-folders.ts).
    const folder = "eu-west-1:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    const direct = (sub: string) =>
      uploadKey({ folder, author: sub, id: "1b4e28ba-2fa1-4d2c-883f-0016d3cca427", extension: "jpg" });
    const ownDirect = await call("PUT", "/api/posts/owned", {
      claims: ada,
      body: { coverKey: direct(ada.sub) },
    });
    expect(ownDirect.statusCode).toBe(200);
    const foreignDirect = await call("PUT", "/api/posts/owned", {
      claims: ada,
      body: { photoKeys: [direct(bob.sub)] },
    });
    expect(body(foreignDirect).error.details).toEqual([
      { path: "body.photoKeys.0", message: "must be one of your uploads" },
    ]);

    const deleted = await call("DELETE", "/api/posts/owned", { claims: ada });
    expect(deleted.statusCode).toBe(204);
    expect((await call("GET", "/api/posts/owned")).statusCode).toBe(404);
  });

  it("get a presigned POST for allowed image types and sizes only", async () => {
    const presign = await call("POST", "/api/uploads", {
      claims: ada,
      body: { contentType: "image/jpeg", size: 1024 },
    });
    expect(presign.statusCode).toBe(201);
    const upload = body(presign);
    expect(upload.key).toMatch(new RegExp(`^uploads/presigned/${ada.sub}/[0-9a-f-]{36}\\.jpg$`));
    expect(upload.fields).toMatchObject({
      key: upload.key,
      "Content-Type": "image/jpeg",
      Policy: expect.any(String),
    });
    const policy = JSON.parse(Buffer.from(upload.fields.Policy, "base64").toString("utf8"));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ["content-length-range", 1, 1024],
        ["eq", "$Content-Type", "image/jpeg"],
      ]),
    );
    const expiresInMs = Date.parse(policy.expiration) - Date.now();
    expect(expiresInMs).toBeGreaterThan(60_000);
    expect(expiresInMs).toBeLessThanOrEqual(300_000);

    // The browser's part: a multipart form POST straight to the (local) bucket.
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields as Record<string, string>))
      form.append(name, value);
    form.append("file", new Blob([Buffer.alloc(1024, 1)], { type: "image/jpeg" }), "photo.jpg");
    const posted = await fetch(upload.url, { method: "POST", body: form });
    expect(posted.status).toBeLessThan(300);

    const record = await db.send(new GetCommand({ TableName: env.tables.photos, Key: { key: upload.key } }));
    expect(record.Item).toMatchObject({
      key: upload.key,
      status: "pending",
      author: ada.sub,
      contentType: "image/jpeg",
    });

    const gif = await call("POST", "/api/uploads", {
      claims: ada,
      body: { contentType: "image/gif", size: 10 },
    });
    expect(gif.statusCode).toBe(415);
    expect(body(gif).error.code).toBe("unsupported_upload_type");
    const huge = await call("POST", "/api/uploads", {
      claims: ada,
      body: { contentType: "image/png", size: MAX_UPLOAD_BYTES + 1 },
    });
    expect(huge.statusCode).toBe(413);
    expect(body(huge).error.code).toBe("upload_too_large");
    expect(
      (await call("POST", "/api/uploads", { body: { contentType: "image/png", size: 10 } })).statusCode,
    ).toBe(401);
  });
});

describe("input validation and the error shape", () => {
  const cases: Array<[string, string, string, EventOptions, number, string]> = [
    ["unknown route", "GET", "/api/nothing-here", {}, 404, "route_not_found"],
    ["path outside the API", "GET", "/etc/passwd", {}, 404, "route_not_found"],
    ["wrong method", "PATCH", "/api/posts", {}, 405, "method_not_allowed"],
    ["bad slug", "GET", "/api/posts/Not_A_Slug", {}, 400, "validation_failed"],
    ["limit too large", "GET", "/api/posts", { query: { limit: "500" } }, 400, "validation_failed"],
    [
      "forged cursor",
      "GET",
      "/api/posts",
      { query: { cursor: "bm90LWEtY3Vyc29y" } },
      400,
      "validation_failed",
    ],
    [
      "not JSON",
      "POST",
      "/api/subscribe",
      { body: "{oops", headers: { "content-type": "application/json" } },
      400,
      "invalid_json",
    ],
    [
      "wrong media type",
      "POST",
      "/api/subscribe",
      { body: "email=a", headers: { "content-type": "text/plain" } },
      415,
      "unsupported_media_type",
    ],
    [
      "bad e-mail",
      "POST",
      "/api/subscribe",
      { body: { email: "not-an-email", name: "x" } },
      400,
      "validation_failed",
    ],
    [
      "unknown field",
      "POST",
      "/api/subscribe",
      { body: { email: "a@b.co", name: "x", admin: true } },
      400,
      "validation_failed",
    ],
    [
      "comment too long",
      "POST",
      "/api/posts/page-1/comments",
      { body: { name: "x", body: "y".repeat(2001) } },
      400,
      "validation_failed",
    ],
    [
      "empty comment",
      "POST",
      "/api/posts/page-1/comments",
      { body: { name: "x", body: "   " } },
      400,
      "validation_failed",
    ],
    [
      "bad client id",
      "POST",
      "/api/posts/page-1/like",
      { headers: { "x-client-id": "not-a-uuid" } },
      400,
      "validation_failed",
    ],
    [
      "like a missing post",
      "POST",
      "/api/posts/no-such-post/like",
      { headers: { "x-client-id": clientA } },
      404,
      "post_not_found",
    ],
    ["comments of a missing post", "GET", "/api/posts/no-such-post/comments", {}, 404, "post_not_found"],
    [
      "body too large",
      "POST",
      "/api/posts",
      { claims: ada, body: { title: "t", body: "x".repeat(300_000) } },
      413,
      "body_too_large",
    ],
  ];

  it.each(cases)("%s: %s %s", async (_name, method, path, options, status, code) => {
    const response = await call(method, path, options);
    expect(response.statusCode).toBe(status);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    const parsed = body(response);
    expect(Object.keys(parsed)).toEqual(["error"]);
    expect(parsed.error.code).toBe(code);
    expect(typeof parsed.error.message).toBe("string");
  });

  it("names each invalid field in the details", async () => {
    const response = await call("POST", "/api/subscribe", { body: { email: "nope", name: "" } });
    expect(body(response)).toEqual({
      error: {
        code: "validation_failed",
        message: "The request body is invalid",
        details: [
          { path: "body.email", message: "must be an e-mail address" },
          { path: "body.name", message: expect.stringMatching(/>=1 characters/) },
        ],
      },
    });
  });

  it("answers 405 with the allowed methods and CORS preflights for allowed origins", async () => {
    const response = await call("DELETE", "/api/posts");
    expect(response.headers.allow).toBe("GET, POST");
    const preflight = await call("OPTIONS", "/api/posts/x/comments", {
      headers: { origin: "https://blog.example" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": "https://blog.example",
      "access-control-allow-methods": "GET, POST",
    });
    const foreign = await call("GET", "/api/health", { headers: { origin: "https://evil.example" } });
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("rate-limits comments per reader address with Retry-After; a new client id does not dodge it", async () => {
    const client = "9b2f6d1e-0c4a-4e5b-8f7a-1d2c3b4a5f6e";
    const sourceIp = "203.0.113.50";
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call("POST", "/api/posts/page-1/comments", {
        body: { name: "Spammer", body: `comment ${i}` },
        headers: { "x-client-id": client },
        viewerIp: sourceIp,
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
        expect(body(response).error.code).toBe("rate_limited");
      }
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    // Another client id, or none, from the same address: still limited (the header never widens a limit).
    const dodges: Record<string, string>[] = [
      { "x-client-id": clientB },
      {},
      { "x-forwarded-for": "198.51.100.1" },
    ];
    for (const headers of dodges) {
      const dodge = await call("POST", "/api/posts/page-1/comments", {
        body: { name: "N", body: "dodge" },
        headers,
        viewerIp: sourceIp,
      });
      expect(dodge.statusCode).toBe(429);
    }
    // The same client id from another address: limited by its own counter (the header may narrow a limit).
    const moved = await call("POST", "/api/posts/page-1/comments", {
      body: { name: "N", body: "moved" },
      headers: { "x-client-id": client },
      viewerIp: "203.0.113.51",
    });
    expect(moved.statusCode).toBe(429);
    const other = await call("POST", "/api/posts/page-1/comments", {
      body: { name: "N", body: "ok" },
      viewerIp: "203.0.113.52",
    });
    expect(other.statusCode).toBe(201);
  });

  it("limits two readers behind one CloudFront edge one by one: one bursts into 429, the other is served", async () => {
    const edgeIp = "130.176.7.7";
    const noisy = "198.51.100.70";
    const quiet = "2001:db8:aa:bb::70";
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call("POST", "/api/posts/page-2/comments", {
        body: { name: "Noisy", body: `burst ${i}` },
        edgeIp,
        viewerIp: noisy,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    const served = await call("POST", "/api/posts/page-2/comments", {
      body: { name: "Quiet", body: "one comment" },
      edgeIp,
      viewerIp: quiet,
    });
    expect(served.statusCode).toBe(201);
  });

  it("counts an IPv6 reader by its /64: rotating the interface identifier, the port or the client id does not dodge it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call("POST", "/api/posts/page-3/comments", {
        body: { name: "Roamer", body: `roam ${i}` },
        viewerIp: `2001:db8:1:2:${(i + 1).toString(16)}::${i + 10}`,
        headers: { "x-client-id": [clientA, clientB][i % 2] },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    // Another /64 is another reader.
    const neighbour = await call("POST", "/api/posts/page-3/comments", {
      body: { name: "Neighbour", body: "hello" },
      viewerIp: "2001:db8:1:3::1",
    });
    expect(neighbour.statusCode).toBe(201);
  });

  it("refuses callers of API Gateway's own endpoint with 403 before any work, forged viewer headers or not", async () => {
    const count = async () => body(await call("GET", "/api/posts/page-4/comments")).comments.length as number;
    const before = await count();
    const forgeries: Record<string, string>[] = [
      {},
      { "cloudfront-viewer-address": "198.51.100.80:443" },
      {
        "x-origin-verify": "guessed-value-guessed-value-guessed-value",
        "cloudfront-viewer-address": "203.0.113.9:1",
      },
      { "x-origin-verify": "" },
      { "X-Origin-Verify": "x".repeat(64) },
    ];
    const statuses: number[] = [];
    // More attempts than any limit allows, each from a "new reader": none is served, none is counted as a reader.
    for (let i = 0; i < 12; i++) {
      const headers = {
        ...forgeries[i % forgeries.length],
        "cloudfront-viewer-address": `198.51.100.${100 + i}:${2000 + i}`,
      };
      for (const [method, path, options] of [
        ["POST", "/api/posts/page-4/comments", { body: { name: "Direct", body: `direct ${i}` } }],
        ["GET", "/api/health", {}],
        ["GET", "/api/posts", {}],
        ["OPTIONS", "/api/posts", { headers: { origin: "https://blog.example" } }],
      ] as const) {
        const response = await call(method, path, {
          ...options,
          headers: { ...("headers" in options ? options.headers : {}), ...headers },
          via: "direct",
        });
        statuses.push(response.statusCode);
        expect(body(response)).toEqual({
          error: {
            code: "origin_not_verified",
            message: "Call the API through the site's address, not API Gateway's own",
          },
        });
      }
    }
    expect(new Set(statuses)).toEqual(new Set([403]));
    // One comment through CloudFront (which drops the cached page): the only one written.
    const real = await call("POST", "/api/posts/page-4/comments", {
      body: { name: "Reader", body: "via the site" },
    });
    expect(real.statusCode).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it("serves the pre-traffic hook's direct GET /api/health without CloudFront's value, and nothing else so", async () => {
    const hookEvent = healthRequest("d-TEST") as unknown as Record<string, unknown>;
    const health = await env.api.handler(hookEvent);
    expect(health.statusCode).toBe(200);
    const marked = httpEvent("GET", "/api/posts", { via: "direct" }) as {
      requestContext: Record<string, unknown>;
    };
    marked.requestContext.apiId = (hookEvent.requestContext as { apiId: string }).apiId;
    expect((await env.api.handler(marked)).statusCode).toBe(403);
  });

  it("rate-limits uploads per author, whatever the source address", async () => {
    const author = { sub: "upload-limit-sub", name: "U" };
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const response = await call("POST", "/api/uploads", {
        claims: author,
        body: { contentType: "image/png", size: 1000 },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  it("keeps a per-container fallback limit while Redis is killed, and says so in the logs", async () => {
    await env.redis.kill();
    try {
      const sourceIp = "203.0.113.60";
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const response = await call("POST", "/api/posts/page-1/comments", {
          body: { name: "Spammer", body: `fallback ${i}` },
          viewerIp: sourceIp,
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
      expect(
        logs().some(
          (line) =>
            line.level === "WARN" && line.message === "Rate limits counted per container: Redis cannot count",
        ),
      ).toBe(true);
    } finally {
      await env.redis.start();
    }
    await waitFor(async () => (await call("GET", "/api/health")).body.includes('"cache":"up"'));
  });
});

describe("the cache", () => {
  const redisKeys = async (pattern: string) => {
    const client = createClient({ socket: { host: env.redis.host, port: env.redis.port } });
    await client.connect();
    try {
      return (await client.keys(pattern)).sort();
    } finally {
      client.destroy();
    }
  };

  it("serves repeated reads from Redis and drops them on writes", async () => {
    expect(
      (
        await call("POST", "/api/posts", {
          claims: ada,
          body: { slug: "cached", title: "Cached", body: "v1" },
        })
      ).statusCode,
    ).toBe(201);
    const first = await call("GET", "/api/posts/cached");
    expect(first.headers["x-cache"]).toBe("miss");
    const second = await call("GET", "/api/posts/cached");
    expect(second.headers["x-cache"]).toBe("hit");
    expect(second.body).toBe(first.body);
    expect(await redisKeys("post:cached")).toEqual(["post:cached"]);

    expect((await call("GET", "/api/posts")).headers["x-cache"]).toBeDefined();
    expect((await call("GET", "/api/posts")).headers["x-cache"]).toBe("hit");

    // An edit invalidates the post and every page of the list.
    await call("PUT", "/api/posts/cached", { claims: ada, body: { body: "v2" } });
    expect(await redisKeys("post:cached")).toEqual([]);
    const afterEdit = await call("GET", "/api/posts/cached");
    expect(afterEdit.headers["x-cache"]).toBe("miss");
    expect(body(afterEdit).body).toBe("v2");
    expect((await call("GET", "/api/posts")).headers["x-cache"]).toBe("miss");

    // A comment invalidates the comment pages and the post (its comment count).
    await call("GET", "/api/posts/cached/comments");
    expect((await call("GET", "/api/posts/cached/comments")).headers["x-cache"]).toBe("hit");
    await call("POST", "/api/posts/cached/comments", { body: { name: "C", body: "first" } });
    const comments = await call("GET", "/api/posts/cached/comments");
    expect(comments.headers["x-cache"]).toBe("miss");
    expect(body(comments).comments).toHaveLength(1);
    expect(body(await call("GET", "/api/posts/cached")).comments).toBe(1);

    // A like invalidates the post (its like count).
    await call("GET", "/api/posts/cached");
    await call("POST", "/api/posts/cached/like", { headers: { "x-client-id": clientA } });
    const liked = await call("GET", "/api/posts/cached");
    expect(liked.headers["x-cache"]).toBe("miss");
    expect(body(liked).likes).toBe(1);

    // Entries expire on their own too.
    const client = createClient({ socket: { host: env.redis.host, port: env.redis.port } });
    await client.connect();
    const ttl = await client.ttl("post:cached");
    const listTtl = await client.ttl("posts:list");
    client.destroy();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(listTtl).toBeLessThanOrEqual(60);
  });

  it("does not keep a list page whose cover is still being processed", async () => {
    const cover = await pendingPhoto(ada);
    const created = await call("POST", "/api/posts", {
      claims: ada,
      body: { slug: "cover-pending", title: "Cover pending", body: "b", coverKey: cover, photoKeys: [cover] },
    });
    expect(created.statusCode).toBe(201);
    const listed = async () => {
      // The newest post comes first: a page of one holds it.
      const response = await call("GET", "/api/posts", { query: { limit: "1" } });
      const [post] = body(response).posts;
      expect(post.slug).toBe("cover-pending");
      return { cache: response.headers["x-cache"], cover: post.coverThumbnailUrl };
    };
    expect(await listed()).toEqual({ cache: "miss", cover: null });
    expect(await listed()).toEqual({ cache: "miss", cover: null });

    await readyPhoto(ada, cover); // the thumbnail function finishes
    expect(await listed()).toEqual({ cache: "miss", cover: expect.stringMatching(/\/w400\.jpg$/) });
    expect((await listed()).cache).toBe("hit");
  });

  it("answers from PostgreSQL when Redis dies mid-test, logs the degradation, and recovers", async () => {
    await call("GET", "/api/posts/cached");
    expect((await call("GET", "/api/posts/cached")).headers["x-cache"]).toBe("hit");

    await env.redis.kill();
    const started = Date.now();
    const responses = await Promise.all([
      call("GET", "/api/posts/cached"),
      call("GET", "/api/posts"),
      call("GET", "/api/posts/cached/comments"),
      call("POST", "/api/posts/cached/comments", { body: { name: "D", body: "while redis is down" } }),
    ]);
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 201]);
    expect(responses[0].headers["x-cache"]).toBe("miss");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(
      logs().some(
        (line) => line.level === "WARN" && line.message === "Cache unavailable: answering from the database",
      ),
    ).toBe(true);

    const health = await call("GET", "/api/health");
    expect(health.statusCode).toBe(200);
    expect(body(health)).toEqual({
      status: "degraded",
      version: "test",
      checks: { database: "up", cache: "down" },
    });

    await env.redis.start();
    await waitFor(async () => (await call("GET", "/api/health")).body.includes('"cache":"up"'));
    await call("GET", "/api/posts/cached");
    expect((await call("GET", "/api/posts/cached")).headers["x-cache"]).toBe("hit");
  });
});

describe("PostgreSQL down", () => {
  it("answers 503 with a clear error, reports it in the health check, and recovers when it is back", async () => {
    await env.pg.pause();
    try {
      // Not cached: has to reach the database.
      const response = await call("GET", "/api/posts/never-cached-post");
      expect(response.statusCode).toBe(503);
      expect(body(response)).toEqual({
        error: { code: "database_unavailable", message: "The database is unavailable, please retry shortly" },
      });
      const write = await call("POST", "/api/posts", {
        claims: ada,
        body: { title: "During outage", body: "x" },
      });
      expect(write.statusCode).toBe(503);
      const health = await call("GET", "/api/health");
      expect(health.statusCode).toBe(200);
      expect(body(health).checks.database).toBe("down");
      expect(logs().some((line) => line.level === "ERROR" && line.message === "Dependency unavailable")).toBe(
        true,
      );
    } finally {
      await env.pg.start();
    }
    await waitFor(
      async () => (await call("GET", "/api/posts", { query: { limit: "3" } })).statusCode === 200,
    );
    expect((await call("GET", "/api/posts/never-cached-post")).statusCode).toBe(404);
  });
});

describe("outages: 503 with Retry-After, never 500, within the API's deadline", () => {
  const closedPort = async () => `http://127.0.0.1:${await freePort()}`;
  /** Accepts connections and never answers: a backend that hangs. */
  const blackhole = async (): Promise<{ url: string; close(): Promise<void> }> => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  };
  /** An API function whose DynamoDB (and S3) endpoints are `endpoints`; the SDK reads them from the environment. */
  const withEndpoints = async <T>(
    endpoints: Record<string, string>,
    work: (api: ReturnType<typeof createApiFunction>) => Promise<T>,
  ): Promise<T> => {
    const saved = { ...process.env };
    Object.assign(process.env, endpoints);
    const api = createApiFunction(loadApiConfig({ ...env.env, ...endpoints, LOG_LEVEL: "WARN" }));
    try {
      return await work(api);
    } finally {
      await api.close();
      for (const name of Object.keys(endpoints)) process.env[name] = saved[name];
    }
  };
  const expectOutage = (response: HttpResponse, code = "service_unavailable") => {
    expect({ status: response.statusCode, body: response.body }).toMatchObject({ status: 503 });
    expect(body(response).error.code).toBe(code);
    expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
    expect(response.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at /);
  };
  const loggedDependencies = () =>
    logs()
      .filter((line) => line.message === "Dependency unavailable")
      .map((line) => line.dependency);

  beforeAll(async () => {
    const created = await call("POST", "/api/posts", {
      claims: ada,
      body: { slug: "outage-post", title: "Outage", body: "x" },
    });
    expect(created.statusCode).toBe(201);
  });

  it("PostgreSQL stopped: 503 database_unavailable with Retry-After, logged as postgresql", async () => {
    await env.pg.pause();
    try {
      const response = await call("GET", "/api/posts/outage-never-cached");
      expectOutage(response, "database_unavailable");
      expect(loggedDependencies()).toContain("postgresql");
    } finally {
      await env.pg.start();
    }
  });

  it("DynamoDB unreachable (closed port): likes and uploads answer 503, logged as dynamodb; reads still work", async () => {
    await withEndpoints({ AWS_ENDPOINT_URL_DYNAMODB: await closedPort() }, async (api) => {
      const started = Date.now();
      const like = await api.handler(httpEvent("POST", "/api/posts/outage-post/like", { headers: {} }));
      expectOutage(like);
      const upload = await api.handler(
        httpEvent("POST", "/api/uploads", { claims: ada, body: { contentType: "image/png", size: 1000 } }),
      );
      expectOutage(upload);
      const subscribe = await api.handler(
        httpEvent("POST", "/api/subscribe", { body: { email: "outage@example.com", name: "O" } }),
      );
      expectOutage(subscribe);
      expect(Date.now() - started).toBeLessThan(8000);
      expect(loggedDependencies()).toEqual(["dynamodb", "dynamodb", "dynamodb"]);
    });
  });

  it("DynamoDB hanging: 503 from the SDK's timeouts, or deadline_exceeded when the invocation has less time", async () => {
    const hole = await blackhole();
    try {
      await withEndpoints({ AWS_ENDPOINT_URL_DYNAMODB: hole.url }, async (api) => {
        let started = Date.now();
        expectOutage(await api.handler(httpEvent("POST", "/api/posts/outage-post/like", { headers: {} })));
        expect(Date.now() - started).toBeLessThan(5000);
        started = Date.now();
        const late = await api.handler(httpEvent("POST", "/api/posts/outage-post/like", { headers: {} }), {
          getRemainingTimeInMillis: () => 1500,
        });
        expectOutage(late, "deadline_exceeded");
        expect(Date.now() - started).toBeLessThan(1200);
        expect(loggedDependencies()).toContain("deadline");
      });
    } finally {
      await hole.close();
    }
  });

  it("S3 unreachable: the API never calls S3 (presigned POSTs are signed locally), so uploads still answer 201", async () => {
    await withEndpoints({ AWS_ENDPOINT_URL_S3: await closedPort() }, async (api) => {
      const upload = await api.handler(
        httpEvent("POST", "/api/uploads", { claims: ada, body: { contentType: "image/png", size: 1000 } }),
      );
      expect(upload.statusCode).toBe(201);
    });
  });

  it("AWS credentials that cannot be fetched (the container's credential endpoint refuses): 503, never a 500", async () => {
    // As in Lambda when the credential endpoint fails: no keys in the environment, only the container endpoint.
    const unset = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
    const saved = Object.fromEntries(unset.map((name) => [name, process.env[name]]));
    for (const name of unset) delete process.env[name];
    try {
      const endpoint = `${await closedPort()}/credentials`;
      const isolated = {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
        AWS_CONFIG_FILE: "/nonexistent/config",
      };
      await withEndpoints(isolated, async (api) => {
        // Each request answers within the API's deadline (8 s), though every one tries the endpoint again.
        const timed = async (event: Parameters<typeof api.handler>[0]) => {
          const started = Date.now();
          const response = await api.handler(event);
          expect(Date.now() - started).toBeLessThan(8000);
          return response;
        };
        expectOutage(await timed(httpEvent("POST", "/api/posts/outage-post/like", { headers: {} })));
        expectOutage(
          await timed(
            httpEvent("POST", "/api/uploads", {
              claims: ada,
              body: { contentType: "image/png", size: 1000 },
            }),
          ),
        );
        expectOutage(
          await timed(
            httpEvent("POST", "/api/subscribe", { body: { email: "nocreds@example.com", name: "N" } }),
          ),
        );
        // Where the SDK client fetched them the failure is its dependency's; the presigned POST names the credentials.
        expect(new Set(loggedDependencies())).toEqual(new Set(["dynamodb", "aws-credentials"]));
        // What needs only PostgreSQL (password authentication here) and Redis still works: comments, health.
        expect((await api.handler(httpEvent("GET", "/api/posts/outage-post/comments"))).statusCode).toBe(200);
        expect((await api.handler(httpEvent("GET", "/api/health"))).statusCode).toBe(200);
      });
    } finally {
      for (const name of unset) if (saved[name] !== undefined) process.env[name] = saved[name];
    }
  });

  it("everything down at once: 503s (or answers that need none of them), never a 500 or a hang", async () => {
    await env.pg.pause();
    await env.redis.kill();
    try {
      await withEndpoints(
        { AWS_ENDPOINT_URL_DYNAMODB: await closedPort(), AWS_ENDPOINT_URL_S3: await closedPort() },
        async (api) => {
          const started = Date.now();
          const responses = await Promise.all([
            api.handler(httpEvent("GET", "/api/posts/outage-post")),
            api.handler(httpEvent("GET", "/api/posts")),
            api.handler(httpEvent("GET", "/api/posts/outage-post/comments")),
            api.handler(
              httpEvent("POST", "/api/posts/outage-post/comments", { body: { name: "D", body: "down" } }),
            ),
            api.handler(httpEvent("POST", "/api/posts/outage-post/like", { headers: {} })),
            api.handler(
              httpEvent("POST", "/api/subscribe", { body: { email: "all-down@example.com", name: "A" } }),
            ),
            api.handler(
              httpEvent("POST", "/api/uploads", {
                claims: ada,
                body: { contentType: "image/png", size: 1000 },
              }),
            ),
            api.handler(httpEvent("POST", "/api/posts", { claims: ada, body: { title: "Down", body: "x" } })),
          ]);
          expect(Date.now() - started).toBeLessThan(8000);
          for (const response of responses) expectOutage(response, body(response).error.code);
          const health = await api.handler(httpEvent("GET", "/api/health"));
          expect(health.statusCode).toBe(200);
          expect(body(health).checks).toEqual({ database: "down", cache: "down" });
          expect(new Set(loggedDependencies())).toEqual(new Set(["postgresql", "dynamodb"]));
        },
      );
    } finally {
      await Promise.all([env.pg.start(), env.redis.start()]);
    }
    await waitFor(async () => (await call("GET", "/api/health")).body.includes('"cache":"up"'));
  });
});

describe("unexpected failures", () => {
  it("answer 500 with only a request id, and log the cause with context", async () => {
    // A deployment whose counters table does not exist: DynamoDB fails in a way no route expects.
    const broken = createApiFunction(
      loadApiConfig({ ...env.env, COUNTERS_TABLE: "no-such-table", LOG_LEVEL: "WARN" }),
    );
    try {
      await call("POST", "/api/posts", {
        claims: ada,
        body: { slug: "never-read", title: "Never read", body: "x" },
      });
      const response = await broken.handler(httpEvent("GET", "/api/posts/never-read", { headers: {} }), {
        awsRequestId: "unused-when-the-event-has-one",
      });
      expect(response.statusCode).toBe(500);
      const requestId = response.headers["x-request-id"];
      expect(body(response)).toEqual({
        error: { code: "internal_error", message: `An unexpected error occurred (request id ${requestId})` },
      });
      expect(response.body).not.toMatch(/no-such-table|ResourceNotFound|at /);
      const logged = logs().find((line) => line.message === "Unhandled error");
      expect(logged).toMatchObject({
        level: "ERROR",
        requestId,
        method: "GET",
        path: "/api/posts/never-read",
      });
      expect(JSON.stringify(logged)).toMatch(/ResourceNotFound/);

      // Cleaning up the like counter of a deleted post is best effort: the delete itself succeeded.
      const deleted = await broken.handler(httpEvent("DELETE", "/api/posts/never-read", { claims: ada }));
      expect(deleted.statusCode).toBe(204);
      expect(
        logs().some((line) => line.message === "Could not delete the like counter of a deleted post"),
      ).toBe(true);
      expect((await call("GET", "/api/posts/never-read")).statusCode).toBe(404);
    } finally {
      await broken.close();
    }
  });
});

describe("configuration", () => {
  it("names every missing or malformed variable at cold start", () => {
    // The table variables of the API's contract (shared/contracts/functions.ts), in its order.
    const tables = Object.keys(FUNCTIONS.api.tables).map((variable) => `${variable} is not set; `);
    expect(tables.slice(0, 3)).toEqual([
      "SUBSCRIBERS_TABLE is not set; ",
      "COUNTERS_TABLE is not set; ",
      "PHOTOS_TABLE is not set; ",
    ]);
    expect(() => loadApiConfig({ DB_PORT: "abc", UPLOAD_CONTENT_TYPES: "image/png,text/html" })).toThrow(
      "The api function's environment is invalid: DB_HOST is not set; DB_PORT must be a whole number from 1 to 65535, " +
        `got "abc"; DB_NAME is not set; DB_USER is not set; ${tables.join("")}UPLOADS_BUCKET is not set; ` +
        "MEDIA_BASE_URL is not set; UPLOAD_CONTENT_TYPES.1 lists an unsupported type (supported: image/jpeg, ",
    );
    const base = { ...env.env };
    expect(() => loadApiConfig({ ...base, DB_AUTH: "password", DB_PASSWORD: "" })).toThrow(
      "DB_PASSWORD is required when DB_AUTH is password",
    );
    expect(() => loadApiConfig({ ...base, CACHE_USER: "api" })).toThrow(
      "CACHE_REPLICATION_GROUP_ID is required when CACHE_USER is set",
    );
    const defaults = loadApiConfig({
      ...base,
      DB_AUTH: "",
      DB_SSL: "",
      CACHE_TLS: "",
      UPLOAD_CONTENT_TYPES: "",
    });
    expect(defaults).toMatchObject({
      DB_AUTH: "iam",
      DB_SSL: "require",
      CACHE_TLS: true,
      // Every image type of the contract, in its order.
      UPLOAD_CONTENT_TYPES: Object.keys(UPLOAD_IMAGE_TYPES),
    });
  });

  it("stops the cold start of index.ts with that message when the environment is incomplete", () => {
    const saved = { ...process.env };
    try {
      for (const name of Object.keys(env.env)) delete process.env[name];
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh cold start of the entry module
        expect(() => require("../../../handlers/api/index")).toThrow(
          /^The api function's environment is invalid: DB_HOST is not set; DB_NAME is not set; DB_USER is not set;/,
        );
      });
    } finally {
      process.env = saved;
    }
  });

  it("runs without a cache when CACHE_HOST is unset", async () => {
    const withoutCache = { ...env.env, CACHE_HOST: "" };
    const uncached = createApiFunction(loadApiConfig(withoutCache));
    try {
      const health = body(await uncached.handler(httpEvent("GET", "/api/health")));
      expect(health).toEqual({
        status: "ok",
        version: "test",
        checks: { database: "up", cache: "disabled" },
      });
      const list = await uncached.handler(httpEvent("GET", "/api/posts"));
      expect(list.statusCode).toBe(200);
      expect(list.headers["x-cache"]).toBe("miss");
    } finally {
      await uncached.close();
    }
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Keeps the S3 client import honest: the bucket the API presigns for exists and accepts objects.
it("has the uploads bucket it presigns for", async () => {
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: env.buckets.uploads, Key: "uploads/probe", Body: "x" }));
  s3.destroy();
  const scan = await db.send(new ScanCommand({ TableName: env.tables.subscribers, Select: "COUNT" }));
  expect(scan.Count).toBeGreaterThanOrEqual(1);
});
