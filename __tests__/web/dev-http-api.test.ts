/** The dev server's API Gateway (HTTP API, payload 2.0) stand-in: routing, event shape, response mapping. */
import {
  API_ROUTES,
  buildHttpApiEvent,
  gatewayResponses,
  matchRoute,
  toHttpResponse,
  withEdgeHeaders,
} from "../../dev/http-api";

test("routes match like API Gateway's: exact paths, one segment per parameter, method included", () => {
  expect(matchRoute("GET", "/api/posts")).toEqual({ routeKey: "GET /api/posts", auth: "none" });
  expect(matchRoute("GET", "/api/posts/hello-world")).toEqual({
    routeKey: "GET /api/posts/{slug}",
    pathParameters: { slug: "hello-world" },
    auth: "none",
  });
  expect(matchRoute("POST", "/api/posts/a%20b/like")).toMatchObject({
    routeKey: "POST /api/posts/{slug}/like",
    pathParameters: { slug: "a b" },
  });
  expect(matchRoute("POST", "/api/posts")).toMatchObject({ routeKey: "POST /api/posts", auth: "jwt" });
  expect(matchRoute("DELETE", "/api/posts/x")).toMatchObject({ auth: "jwt" });
  expect(matchRoute("POST", "/api/uploads")).toMatchObject({ auth: "jwt" });
  // No route: the handler gets it as $default and answers 404/405 itself.
  expect(matchRoute("PATCH", "/api/posts/x")).toEqual({ routeKey: "$default", auth: "none" });
  expect(matchRoute("GET", "/api/posts/")).toEqual({ routeKey: "$default", auth: "none" });
  expect(matchRoute("GET", "/api/posts/a/b/c")).toEqual({ routeKey: "$default", auth: "none" });
});

test("every author route needs the JWT authorizer and every reader route is public", () => {
  const jwt = API_ROUTES.filter((r) => r.auth === "jwt").map((r) => `${r.method} ${r.path}`);
  expect(jwt.sort()).toEqual([
    "DELETE /api/posts/{slug}",
    "POST /api/posts",
    "POST /api/uploads",
    "PUT /api/posts/{slug}",
  ]);
});

test("builds a payload 2.0 event with claims, cookies, query and a text or base64 body", () => {
  const route = matchRoute("PUT", "/api/posts/hello");
  const event = buildHttpApiEvent(
    {
      method: "PUT",
      url: "/api/posts/hello?a=1&a=2&b=x",
      headers: {
        host: "127.0.0.1:3000",
        "content-type": "application/json",
        cookie: "c1=v1; c2=v2",
        "x-multi": ["p", "q"],
      },
      body: Buffer.from('{"title":"T"}'),
      sourceIp: "127.0.0.1",
    },
    route,
    { sub: "abc", email: "a@example.com", name: "Ada" },
  ) as { headers: Record<string, string>; requestContext: { time: string } };
  expect(event).toMatchObject({
    version: "2.0",
    routeKey: "PUT /api/posts/{slug}",
    rawPath: "/api/posts/hello",
    rawQueryString: "a=1&a=2&b=x",
    cookies: ["c1=v1", "c2=v2"],
    queryStringParameters: { a: "1,2", b: "x" },
    pathParameters: { slug: "hello" },
    body: '{"title":"T"}',
    isBase64Encoded: false,
    requestContext: {
      authorizer: { jwt: { claims: { sub: "abc", email: "a@example.com", name: "Ada" }, scopes: null } },
      http: { method: "PUT", path: "/api/posts/hello", sourceIp: "127.0.0.1" },
      routeKey: "PUT /api/posts/{slug}",
      stage: "$default",
    },
  });
  expect(event.headers).toEqual({
    host: "127.0.0.1:3000",
    "content-type": "application/json",
    "x-multi": "p,q",
  });
  expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);

  const binary = buildHttpApiEvent(
    {
      method: "POST",
      url: "/api/x",
      headers: { "content-type": "image/png" },
      body: Buffer.from([0, 1, 2]),
      sourceIp: "::1",
    },
    matchRoute("POST", "/api/x"),
  ) as Record<string, unknown>;
  expect(binary).toMatchObject({ body: "AAEC", isBase64Encoded: true, routeKey: "$default" });
  expect(binary.requestContext).not.toHaveProperty("authorizer");
});

test("maps the function's answer like payload 2.0 does", () => {
  const full = toHttpResponse({
    statusCode: 201,
    headers: { "Content-Type": "application/json", "X-N": 5 },
    cookies: ["a=b"],
    body: '{"ok":true}',
  });
  expect(full).toEqual({
    statusCode: 201,
    headers: { "content-type": "application/json", "x-n": "5", "set-cookie": ["a=b"] },
    body: Buffer.from('{"ok":true}'),
  });
  expect(
    toHttpResponse({
      statusCode: 200,
      body: Buffer.from("hi").toString("base64"),
      isBase64Encoded: true,
      headers: { "content-type": "text/plain" },
    }).body.toString(),
  ).toBe("hi");
  expect(toHttpResponse({ statusCode: 204 })).toEqual({
    statusCode: 204,
    headers: {},
    body: Buffer.alloc(0),
  });
  // Without a statusCode, the value is the JSON body of a 200.
  expect(toHttpResponse({ hello: "world" })).toEqual({
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: Buffer.from('{"hello":"world"}'),
  });
  // A malformed answer is API Gateway's 500, not a crash of the dev server.
  expect(toHttpResponse({ statusCode: "200" })).toEqual(gatewayResponses.internalError());
  expect(toHttpResponse({ statusCode: 42 }).statusCode).toBe(500);
});

test("the local edge adds what CloudFront adds for the API origin, replacing what the client sent", () => {
  const headers = withEdgeHeaders(
    {
      host: "127.0.0.1:3000",
      "x-origin-verify": "forged",
      "cloudfront-viewer-address": "203.0.113.1:1",
      "x-client-id": "c",
    },
    { originVerifyValue: "v".repeat(43), remoteAddress: "::ffff:127.0.0.1", remotePort: 51000 },
  );
  expect(headers).toEqual({
    host: "127.0.0.1:3000",
    "x-client-id": "c",
    "x-origin-verify": "v".repeat(43),
    "cloudfront-viewer-address": "127.0.0.1:51000",
  });
  const v6 = withEdgeHeaders({}, { originVerifyValue: "v", remoteAddress: "::1", remotePort: 4 });
  expect(v6["cloudfront-viewer-address"]).toBe("::1:4");
});
