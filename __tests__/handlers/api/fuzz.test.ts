/**
 * Property-based fuzzing of the API function (fast-check) against the real local services: whatever the method,
 * path, headers, query, claims and body, or even the shape of the event, the handler answers (never throws) and
 * never with a 5xx; every error uses the one JSON error shape. Then hostile requests on purpose: huge, repeated and
 * non-UTF-8 headers, bodies at and beyond the size limit, concurrent bursts.
 */
import fc from "fast-check";
import { MAX_BODY_BYTES } from "../../../handlers/api/http";
import { httpEvent, startApiEnvironment, type ApiEnvironment } from "./api-environment";

jest.setTimeout(180_000);

let env: ApiEnvironment;
const author = { sub: "fuzz-author", name: "Fuzz" };

beforeAll(async () => {
  env = await startApiEnvironment();
  const created = await env.api.handler(
    httpEvent("POST", "/api/posts", {
      claims: author,
      body: { slug: "fuzz-post", title: "Fuzz", body: "x" },
    }),
  );
  expect(created.statusCode).toBe(201);
});

afterAll(async () => {
  await env?.stop();
});

const segment = fc.oneof(
  fc.constant("fuzz-post"),
  fc.stringMatching(/^[a-z0-9-]{1,24}$/),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("%", "%E0%A4%A", "..", "%2F", "a%00b", "🙂", "x".repeat(300)),
);

const path = fc.oneof(
  fc.constantFrom("/api/health", "/api/posts", "/api/subscribe", "/api/uploads", "/", "/api", "/api/"),
  segment.map((s) => `/api/posts/${s}`),
  segment.map((s) => `/api/posts/${s}/comments`),
  segment.map((s) => `/api/posts/${s}/like`),
  fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
  fc.string({ maxLength: 200 }),
);

const method = fc.oneof(
  fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "get"),
  fc.string({ maxLength: 12 }),
);

const uuid = fc.uuid();
const headers = fc.record(
  {
    "content-type": fc.oneof(
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "APPLICATION/JSON",
      ),
      fc.string({ maxLength: 30 }),
    ),
    "x-client-id": fc.oneof(uuid, fc.string({ maxLength: 40 })),
    origin: fc.oneof(fc.constant("https://blog.example"), fc.string({ maxLength: 30 })),
  },
  { requiredKeys: [] },
);
const extraHeaders = fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 50 }), {
  maxKeys: 4,
});

const anyValue = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 5 }),
);
/** Bodies close to valid ones (right field names, random values) reach deeper than random JSON alone. */
const nearlyValidBody = fc.record(
  {
    title: anyValue,
    body: anyValue,
    slug: fc.oneof(segment, anyValue),
    excerpt: anyValue,
    coverKey: fc.oneof(
      uuid.map((id) => `uploads/${author.sub}/${id}.jpg`),
      anyValue,
    ),
    photoKeys: fc.oneof(
      fc.array(
        uuid.map((id) => `uploads/${author.sub}/${id}.png`),
        { maxLength: 3 },
      ),
      anyValue,
    ),
    email: fc.oneof(fc.emailAddress(), anyValue),
    name: anyValue,
    contentType: fc.oneof(fc.constantFrom("image/jpeg", "image/png", "image/gif"), anyValue),
    size: fc.oneof(fc.integer({ min: -10, max: 10 * 1024 * 1024 }), anyValue),
  },
  { requiredKeys: [] },
);
const body = fc.option(fc.oneof(nearlyValidBody, fc.json({ maxDepth: 3 }), fc.string({ maxLength: 500 })), {
  nil: undefined,
});

const claims = fc.option(
  fc.oneof(
    fc.constant(author),
    fc.record(
      { sub: fc.string({ maxLength: 140 }), name: fc.string({ maxLength: 30 }) },
      { requiredKeys: [] },
    ),
  ),
  { nil: undefined },
);

const query = fc.option(
  fc.record(
    {
      limit: fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), fc.string({ maxLength: 10 })),
      cursor: fc.string({ maxLength: 60 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const apiEvent = fc
  .record({ method, path, headers, extraHeaders, body, claims, query, base64: fc.boolean() })
  .map((input) => {
    const event = httpEvent(input.method, input.path, {
      body: input.body,
      headers: { ...input.extraHeaders, ...input.headers },
      claims: input.claims as Record<string, string> | undefined,
      query: input.query as Record<string, string> | undefined,
    });
    if (input.base64 && typeof event.body === "string") {
      event.body = Buffer.from(event.body, "utf8").toString("base64");
      event.isBase64Encoded = true;
    }
    return event;
  });

const seenStatuses = new Map<number, number>();

async function expectWellFormedAnswer(event: unknown): Promise<void> {
  const response = await env.api.handler(event);
  seenStatuses.set(response.statusCode, (seenStatuses.get(response.statusCode) ?? 0) + 1);
  expect(response.statusCode).toBeGreaterThanOrEqual(200);
  expect(response.statusCode).toBeLessThan(500);
  if (response.statusCode >= 400) {
    const parsed = JSON.parse(response.body);
    expect(Object.keys(parsed)).toEqual(["error"]);
    expect(typeof parsed.error.code).toBe("string");
    expect(typeof parsed.error.message).toBe("string");
  }
}

describe("API fuzzing", () => {
  it("answers random requests without a 5xx or a thrown error", async () => {
    await fc.assert(fc.asyncProperty(apiEvent, expectWellFormedAnswer), { numRuns: 400 });
    // The generators reach past routing and validation: successes and the main refusals occur in every run.
    const seen = [...seenStatuses.keys()];
    expect(seen.some((status) => status < 300)).toBe(true);
    expect(seen).toEqual(expect.arrayContaining([400, 404, 405]));
  });

  it("survives events of any shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({
            rawPath: fc.anything(),
            requestContext: fc.anything(),
            headers: fc.anything(),
            body: fc.anything(),
          }),
        ),
        expectWellFormedAnswer,
      ),
      { numRuns: 200 },
    );
  });
});

describe("hostile requests", () => {
  const withinTime = async (event: unknown, ms = 5000) => {
    const started = Date.now();
    await expectWellFormedAnswer(event);
    expect(Date.now() - started).toBeLessThan(ms);
  };
  const huge = "x".repeat(1024 * 1024);
  // A lone surrogate and Latin-1 bytes read as text: what a non-UTF-8 header looks like once decoded.
  const notUtf8 = [
    "\ud800",
    Buffer.from([0xff, 0xfe, 0xe9, 0x00, 0x80]).toString("latin1"),
    "\u0000\u001b[31m",
  ];

  it("huge, repeated and non-UTF-8 headers: a well-formed answer, never a 5xx or a hang", async () => {
    const hostile: Record<string, string>[] = [
      { "x-client-id": huge },
      { "content-type": huge },
      { origin: huge, authorization: huge, cookie: huge },
      // API Gateway joins a repeated header's values with commas.
      { "x-client-id": "0f8fad5b-d9cb-469f-a165-70867728950e,7c9e6679-7425-40de-944b-e07fc1f90ae7" },
      { "content-type": "application/json,application/json" },
      Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`x-h-${i}`, "v".repeat(100)])),
      ...notUtf8.map((text) => ({
        "x-client-id": text,
        "content-type": `application/json${text}`,
        origin: text,
      })),
    ];
    for (const headers of hostile) {
      for (const [method, path] of [
        ["POST", "/api/posts/fuzz-post/comments"],
        ["POST", "/api/posts/fuzz-post/like"],
        ["POST", "/api/subscribe"],
        ["GET", "/api/posts/fuzz-post"],
        ["OPTIONS", "/api/posts"],
      ]) {
        await withinTime(
          httpEvent(method, path, {
            headers,
            body: method === "POST" ? { name: "N", body: "b" } : undefined,
          }),
        );
      }
    }
  });

  it("bodies at and beyond the size limit: a 4xx (413 past it), never a 5xx", async () => {
    const limit = MAX_BODY_BYTES;
    const envelope = JSON.stringify({ title: "Big", body: "" }).length;
    for (const size of [limit - envelope, limit - envelope + 1, limit * 4, 6 * 1024 * 1024]) {
      const raw = JSON.stringify({ title: "Big", body: "b".repeat(size) });
      const event = httpEvent("POST", "/api/posts", { claims: author, body: raw });
      const response = await env.api.handler(event);
      expect(response.statusCode).toBeLessThan(500);
      if (Buffer.byteLength(raw) > limit) expect(response.statusCode).toBe(413);
      for (const route of ["/api/subscribe", "/api/posts/fuzz-post/comments"]) {
        await withinTime(httpEvent("POST", route, { body: raw }));
      }
    }
  });

  it("concurrent bursts from one address and from many: 2xx or 429, never a 5xx", async () => {
    // A post of its own: the random requests above may have edited or deleted fuzz-post.
    const created = await env.api.handler(
      httpEvent("POST", "/api/posts", {
        claims: author,
        body: { slug: "burst-post", title: "Burst", body: "x" },
      }),
    );
    expect(created.statusCode).toBe(201);
    const burst = (viewerIp?: string) =>
      Array.from({ length: 40 }, (_, i) =>
        env.api.handler(
          httpEvent("POST", "/api/posts/burst-post/comments", {
            body: { name: "Burst", body: `burst ${i}` },
            viewerIp,
          }),
        ),
      );
    const started = Date.now();
    const responses = await Promise.all([...burst("198.51.100.9"), ...burst()]);
    expect(Date.now() - started).toBeLessThan(15_000);
    const statuses = new Set(responses.map((response) => response.statusCode));
    for (const status of statuses) expect([201, 429]).toContain(status);
    // One address gets its 5 per minute, however many arrive at once.
    const fromOne = responses.slice(0, 40).filter((response) => response.statusCode === 201);
    expect(fromOne).toHaveLength(5);
  });
});
