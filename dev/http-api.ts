/**
 * What API Gateway (HTTP API, payload format 2.0) does in front of the API function, locally: match the route,
 * run the JWT authorizer on author routes, build the event, and turn the function's answer into an HTTP response.
 */
import { randomUUID } from "crypto";
import type { IncomingHttpHeaders } from "http";

import { API_ROUTES, type RouteDefinition } from "../lib/api-routes";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../shared/origin-verification";

export { API_ROUTES };

export interface RouteMatch {
  /** `"GET /api/posts/{slug}"`, or `"$default"` for a request no route matches (the handler answers 404/405). */
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly auth: "none" | "jwt";
}

export function matchRoute(
  method: string,
  rawPath: string,
  routes: readonly RouteDefinition[] = API_ROUTES,
): RouteMatch {
  const segments = rawPath.split("/");
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split("/");
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (!param) return part === segments[i];
      if (segments[i] === "") return false;
      params[param[1]] = safeDecode(segments[i]);
      return true;
    });
    if (matches) {
      return {
        routeKey: `${route.method} ${route.path}`,
        pathParameters: Object.keys(params).length > 0 ? params : undefined,
        auth: route.auth,
      };
    }
  }
  return { routeKey: "$default", auth: "none" };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface IncomingApiRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/api/posts?limit=5`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
}

/** What the local edge knows of a request for the API: its origin-verification value and the client's socket. */
export interface EdgeOrigin {
  readonly originVerifyValue: string;
  /** The client's address as the socket reports it (`::ffff:127.0.0.1` is 127.0.0.1). */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
}

/**
 * What CloudFront adds to a request for the API origin: the origin-verification value (an origin custom header) and
 * CloudFront-Viewer-Address (`address:port` of the client), each replacing whatever the client sent under that name.
 */
export function withEdgeHeaders(headers: IncomingHttpHeaders, edge: EdgeOrigin): IncomingHttpHeaders {
  const viewer = VIEWER_ADDRESS_HEADER.toLowerCase();
  const forwarded: IncomingHttpHeaders = Object.fromEntries(
    Object.entries(headers).filter(([name]) => {
      const lower = name.toLowerCase();
      return lower !== ORIGIN_VERIFY_HEADER && lower !== viewer;
    }),
  );
  forwarded[ORIGIN_VERIFY_HEADER] = edge.originVerifyValue;
  const address = edge.remoteAddress?.replace(/^::ffff:/, "");
  if (address) forwarded[viewer] = `${address}:${edge.remotePort ?? 0}`;
  return forwarded;
}

/** Claims as the JWT authorizer passes them in payload 2.0: every value a string. */
export type JwtClaims = Readonly<Record<string, string>>;

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json)/i;

function clfTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Builds the payload-2.0 event API Gateway would send for this request. */
export function buildHttpApiEvent(
  request: IncomingApiRequest,
  route: RouteMatch,
  claims?: JwtClaims,
): Record<string, unknown> {
  const url = new URL(request.url, "http://local");
  const rawQueryString = url.search.slice(1);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === "cookie") cookies.push(...String(value).split(/;\s*/).filter(Boolean));
    else headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;

  const now = new Date();
  const requestId = randomUUID();
  const isText = request.body.length === 0 || TEXT_TYPES.test(headers["content-type"] ?? "");
  const host = headers.host ?? "localhost";
  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      domainName: host,
      domainPrefix: host.split(".")[0],
      http: {
        method: request.method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: request.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: route.routeKey,
      stage: "$default",
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0
      ? {
          body: isText ? request.body.toString("utf8") : request.body.toString("base64"),
          isBase64Encoded: !isText,
        }
      : { isBase64Encoded: false }),
  };
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function jsonResponse(statusCode: number, value: unknown): HttpResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/** API Gateway's own answers when the request never reaches (or breaks) the function. */
export const gatewayResponses = {
  unauthorized: (): HttpResponse => ({
    ...jsonResponse(401, { message: "Unauthorized" }),
    headers: { "content-type": "application/json", "www-authenticate": "Bearer" },
  }),
  internalError: (): HttpResponse => jsonResponse(500, { message: "Internal Server Error" }),
  tooLarge: (): HttpResponse => jsonResponse(413, { message: "Request Entity Too Large" }),
  serviceUnavailable: (): HttpResponse => ({
    ...jsonResponse(503, { message: "Service Unavailable" }),
    headers: { "content-type": "application/json", "retry-after": "1" },
  }),
  /** The function did not answer within its configured timeout. */
  gatewayTimeout: (): HttpResponse => jsonResponse(504, { message: "Endpoint request timed out" }),
};

/**
 * Maps the function's result the way payload 2.0 does: `{ statusCode, headers, cookies, body, isBase64Encoded }`
 * is taken as is; any other value is sent as a 200 JSON body.
 */
export function toHttpResponse(result: unknown): HttpResponse {
  if (result && typeof result === "object" && "statusCode" in result) {
    const r = result as {
      statusCode: unknown;
      headers?: Record<string, unknown>;
      cookies?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    if (
      typeof r.statusCode !== "number" ||
      !Number.isInteger(r.statusCode) ||
      r.statusCode < 100 ||
      r.statusCode > 599
    ) {
      return gatewayResponses.internalError();
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(r.headers ?? {})) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
    }
    if (Array.isArray(r.cookies) && r.cookies.length > 0) headers["set-cookie"] = r.cookies.map(String);
    const text =
      typeof r.body === "string"
        ? r.body
        : r.body === undefined || r.body === null
          ? ""
          : JSON.stringify(r.body);
    const body = r.isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
    if (!headers["content-type"] && body.length > 0) headers["content-type"] = "application/json";
    return { statusCode: r.statusCode, headers, body };
  }
  if (typeof result === "string")
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: Buffer.from(result) };
  return jsonResponse(200, result ?? null);
}
