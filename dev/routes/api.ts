/** `/api/*`: the local API Gateway in front of the api function (routes, JWT authorizer, payload 2.0 events). */
import { buildHttpApiEvent, gatewayResponses, matchRoute, toHttpResponse } from "../http-api";
import type { Log } from "../lifecycle";
import type { LocalIdentityProvider } from "../local-auth";
import type { LocalLambda } from "../local-lambda";
import { answer, readBody, send, type RouteFamily } from "./respond";

/** API Gateway's payload limit for HTTP APIs. */
const MAX_API_BODY = 10 * 1024 * 1024;

export interface ApiRoutesOptions {
  readonly identity: LocalIdentityProvider;
  /** Absent when handlers/api does not exist yet: every route then answers 503. */
  readonly api?: LocalLambda;
  readonly log: Log;
}

export function apiRoutes({ identity, api, log }: ApiRoutesOptions): RouteFamily {
  return {
    owns: (pathname) => pathname.startsWith("/api/") || pathname === "/api",
    async handle(request, response, url) {
      const body = await readBody(request, MAX_API_BODY);
      if (body === null) return send(response, gatewayResponses.tooLarge());
      const route = matchRoute(request.method ?? "GET", url.pathname);
      let claims;
      if (route.auth === "jwt") {
        claims = identity.verifyAuthorization(request.headers.authorization);
        if (!claims) return send(response, gatewayResponses.unauthorized());
      }
      const event = buildHttpApiEvent(
        {
          method: request.method ?? "GET",
          url: request.url ?? "/",
          headers: request.headers,
          body,
          sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
        },
        route,
        claims ?? undefined,
      );
      if (!api) {
        const message = "The api function does not exist yet (handlers/api/index.ts)";
        return send(
          response,
          answer(503, { "content-type": "application/json" }, JSON.stringify({ message })),
        );
      }
      const result = await api.invoke(event);
      if (!result.ok) {
        log(`[api] invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`);
        return send(
          response,
          result.error.errorType === "Sandbox.Timedout"
            ? gatewayResponses.serviceUnavailable()
            : gatewayResponses.internalError(),
        );
      }
      send(response, toHttpResponse(result.result));
    },
  };
}
