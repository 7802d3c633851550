/**
 * The API as a function of its dependencies: normalises the event, routes it, maps typed errors to statuses (in
 * http.ts) and anything unexpected to a 500 that carries only the request id. Never throws.
 */
import type { Context } from "aws-lambda";
import { randomUUID } from "crypto";
import { AppError } from "../shared/errors";
import { describeError } from "../shared/postgres";
import {
  errorResponse,
  internalErrorResponse,
  toApiRequest,
  type ApiRequest,
  type HttpResponse,
} from "./http";
import { createRoutes } from "./routes";
import type { RouteDeps } from "./routes/context";

export interface ApiDeps extends RouteDeps {
  /** Origins allowed to call the API from a browser (CORS); unset when the site and API share an origin. */
  readonly corsOrigins?: readonly string[];
}

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

  return async (event, context) => {
    const request = toApiRequest(event, context?.awsRequestId ?? randomUUID());
    // In Lambda: function name, request id and cold start on every log line.
    if (context?.functionName) logger.addContext(context as Context);
    let response: HttpResponse;
    try {
      response = await respond(request);
    } catch (error) {
      if (error instanceof AppError) {
        response = errorResponse(error);
        if (error.kind === "unavailable") {
          logger.error("Dependency unavailable", {
            requestId: request.requestId,
            error: describeError(error.cause),
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
