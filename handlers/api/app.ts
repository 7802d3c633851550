/**
 * The API as a function of its dependencies: normalises the event, routes it, maps typed errors to statuses (in
 * http.ts) and anything unexpected to a 500 that carries only the request id. Never throws.
 */
import type { Context } from "aws-lambda";
import { randomUUID } from "crypto";
import { AppError, UnavailableError } from "../shared/errors";
import { describeError } from "../shared/postgres";
import {
  errorResponse,
  internalErrorResponse,
  toApiRequest,
  type ApiRequest,
  type HttpResponse,
} from "./http";
import type { OriginGuard } from "./origin";
import { createRoutes } from "./routes";
import type { RouteDeps } from "./routes/context";

export interface ApiDeps extends RouteDeps {
  /** Admits only requests that came through this environment's CloudFront, and says whose they are (origin.ts). */
  readonly origin: OriginGuard;
  /** Origins allowed to call the API from a browser (CORS); unset when the site and API share an origin. */
  readonly corsOrigins?: readonly string[];
  /**
   * The API's own deadline per request: past it the answer is a 503 `deadline_exceeded`, not a Lambda timeout (an
   * API Gateway 503 without our error shape). Also never later than 1 s before the invocation's own end.
   * @default 8000 (the function's timeout is 10 s)
   */
  readonly deadlineMs?: number;
}

export const DEFAULT_DEADLINE_MS = 8000;
/** Kept back from the invocation's remaining time, to answer and log before Lambda stops the container. */
const DEADLINE_MARGIN_MS = 1000;

export type ApiHandler = (event: unknown, context?: Partial<Context>) => Promise<HttpResponse>;

const PREFLIGHT_HEADERS = "content-type, authorization, x-client-id";

export function createApi(deps: ApiDeps): ApiHandler {
  const router = createRoutes(deps);
  const { logger } = deps;

  const corsHeaders = (request: ApiRequest): Record<string, string> => {
    const origin = request.headers.origin;
    if (!origin || !deps.corsOrigins) return {};
    const allowed = deps.corsOrigins.includes("*") || deps.corsOrigins.includes(origin);
    return allowed ? { "access-control-allow-origin": origin, vary: "origin" } : {};
  };

  const respond = async (request: ApiRequest): Promise<HttpResponse> => {
    if (request.method === "OPTIONS") {
      const methods = router.methodsAt(request.path);
      if (methods.length > 0) {
        return {
          statusCode: 204,
          headers: {
            allow: [...methods, "OPTIONS"].join(", "),
            "access-control-allow-methods": methods.join(", "),
            "access-control-allow-headers": PREFLIGHT_HEADERS,
            "access-control-max-age": "600",
          },
          body: "",
        };
      }
    }
    const { handler, params } = router.match(request.method, request.path);
    return handler(request, params);
  };

  /** Rejects with a 503 once the request's time is up; the work left running is abandoned (its result ignored). */
  const withinDeadline = async <T>(work: Promise<T>, context?: Partial<Context>): Promise<T> => {
    let budget = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (typeof context?.getRemainingTimeInMillis === "function") {
      budget = Math.min(budget, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError("The request took too long, please retry shortly", {
              code: "deadline_exceeded",
              dependency: "deadline",
            }),
          ),
        Math.max(0, budget),
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      // An abandoned call that fails later must not become an unhandled rejection.
      work.catch(() => undefined);
    }
  };

  return async (event, context) => {
    const request = toApiRequest(event, context?.awsRequestId ?? randomUUID());
    // In Lambda: function name, request id and cold start on every log line.
    if (context?.functionName) logger.addContext(context as Context);
    let response: HttpResponse;
    try {
      // Before routing: a request that did not come through the distribution reaches no route and no store.
      response = await withinDeadline(respond(deps.origin.admit(request, event)), context);
    } catch (error) {
      if (error instanceof AppError) {
        response = errorResponse(error);
        if (error instanceof UnavailableError) {
          logger.error("Dependency unavailable", {
            requestId: request.requestId,
            dependency: error.dependency,
            code: error.code,
            method: request.method,
            path: request.path.slice(0, 200),
            error: error.cause === undefined ? undefined : describeError(error.cause),
          });
        }
      } else {
        logger.error("Unhandled error", {
          requestId: request.requestId,
          method: request.method,
          path: request.path.slice(0, 200),
          error: describeError(error),
        });
        response = internalErrorResponse(request.requestId);
      }
    }
    Object.assign(response.headers, corsHeaders(request), { "x-request-id": request.requestId });
    return response;
  };
}
