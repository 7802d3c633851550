/** The subscribe route: a reader's e-mail into the subscribers table (its stream sends the welcome e-mail). */
import { json, parseJsonBody } from "../http";
import { subscribeBody } from "../schemas";
import type { Routed, RouteHandler } from "./context";
import { clientId } from "./inputs";

export function subscribeRoutes(
  deps: Pick<Routed, "subscribers" | "rateLimiter">,
): Readonly<Record<"subscribe", RouteHandler>> {
  const { subscribers, rateLimiter } = deps;
  return {
    subscribe: async (request) => {
      const client = clientId(request);
      const input = parseJsonBody(request, subscribeBody);
      await rateLimiter.enforce("subscribe", request, client);
      // The same answer whether or not the address was already subscribed: no way to probe the list.
      await subscribers.subscribe(input.email, input.name);
      return json(202, { status: "accepted", message: "Thanks! A welcome e-mail is on its way." });
    },
  };
}
