/**
 * `/api/*`: the local CloudFront behaviour and API Gateway in front of the api function (the origin-verification
 * value and CloudFront-Viewer-Address as CloudFront adds them, routes, JWT authorizer, payload 2.0 events).
 */
import {
  buildHttpApiEvent,
  gatewayResponses,
  matchRoute,
  toHttpResponse,
  withEdgeHeaders,
} from "../http-api";
import type { Log } from "../lifecycle";
import type { LocalIdentityProvider } from "../local-auth";
import type { InvokeResult, LocalLambda } from "../local-lambda";
import { answer, readBody, send, type RouteFamily } from "./respond";

/** API Gateway's payload limit for HTTP APIs. */
const MAX_API_BODY = 10 * 1024 * 1024;

export interface ApiRoutesOptions {
  readonly identity: LocalIdentityProvider;
  /** Absent when handlers/api does not exist yet: every route then answers 503. */
  readonly api?: LocalLambda;
  /** What the local edge sends the API to prove the request came through it (the API's ORIGIN_VERIFY_SECRETS). */
  readonly originVerifyValue: string;
  readonly log: Log;
}

export function apiRoutes({ identity, api, originVerifyValue, log }: ApiRoutesOptions): RouteFamily {
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
          headers: withEdgeHeaders(request.headers, {
            originVerifyValue,
            remoteAddress: request.socket.remoteAddress,
            remotePort: request.socket.remotePort,
          }),
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
      const result = await invokeWithin(api, event);
      if (!result.ok) {
        log(`[api] invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`);
        return send(response, gatewayAnswerTo(result.error.errorType));
      }
      send(response, toHttpResponse(result.result));
    },
  };
}

/**
 * The invocation, or a timeout once the function's configured timeout has passed since the request arrived,
 * also when it is still waiting for a free execution environment: the client never waits longer than that.
 */
export function invokeWithin(
  lambda: Pick<LocalLambda, "invoke" | "timeoutMs">,
  event: unknown,
): Promise<InvokeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<InvokeResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          error: {
            errorType: "Sandbox.Timedout",
            errorMessage: `No answer within ${lambda.timeoutMs / 1000} seconds`,
          },
        }),
      // A little slack, so that the worker's own timeout (which replaces it) normally comes first.
      lambda.timeoutMs + 250,
    );
  });
  return Promise.race([lambda.invoke(event), timedOut]).finally(() => clearTimeout(timer));
}

/** What API Gateway answers when the function fails: 504 on a timeout, 503 while it stops, 500 otherwise. */
export function gatewayAnswerTo(errorType: string) {
  if (errorType === "Sandbox.Timedout") return gatewayResponses.gatewayTimeout();
  if (errorType === "ServiceUnavailable") return gatewayResponses.serviceUnavailable();
  return gatewayResponses.internalError();
}
