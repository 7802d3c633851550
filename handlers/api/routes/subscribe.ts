/** The subscribe route: a reader's e-mail into the subscribers table (its stream sends the welcome e-mail). */
import { json, parseJsonBody } from "../http";
import { subscribeBody } from "../schemas";
import type { RouteDeps, RouteHandler } from "./context";
import { clientId } from "./inputs";
import { enforceRateLimit } from "./rate-limits";

export function subscribeRoutes(
  deps: Pick<RouteDeps, "subscribers" | "cache">,
): Readonly<Record<"subscribe", RouteHandler>> {
  const { subscribers, cache } = deps;
  return {
    subscribe: async (request) => {
      const client = clientId(request);
      const input = parseJsonBody(request, subscribeBody);
      await enforceRateLimit(cache, "subscribe", client);
      // The same answer whether or not the address was already subscribed: no way to probe the list.
      await subscribers.subscribe(input.email, input.name);
      return json(202, { status: "accepted", message: "Thanks! A welcome e-mail is on its way." });
    },
  };
}
