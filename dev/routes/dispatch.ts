/** The dispatcher: hands each request to the first route family that owns its path; a failure becomes a 500. */
import type { IncomingMessage, ServerResponse } from "http";
import { gatewayResponses } from "../http-api";
import type { Log } from "../lifecycle";
import { answer, send, type RouteFamily } from "./respond";

/**
 * `families` in order of precedence; the last (the site) owns every path no other family does. `edge` prepares
 * every response as the distribution does (its custom error responses, dev/edge-function.ts).
 */
export function dispatch(
  origin: string,
  families: readonly RouteFamily[],
  log: Log,
  edge?: (response: ServerResponse) => void,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request: IncomingMessage, response: ServerResponse) => {
    edge?.(response);
    const url = new URL(request.url ?? "/", origin);
    const family = families.find((f) => f.owns(url.pathname));
    const work = Promise.resolve().then(() =>
      family
        ? family.handle(request, response, url)
        : send(response, answer(404, { "content-type": "text/plain" }, "Not found")),
    );
    work.catch((error: unknown) => {
      log(
        `request ${request.method} ${url.pathname} failed: ${error instanceof Error ? error.stack : String(error)}`,
      );
      if (!response.headersSent) send(response, gatewayResponses.internalError());
      else response.destroy();
    });
  };
}
