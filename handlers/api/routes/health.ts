/** The health route: is the database up, and the cache up, down or disabled (never cached). */
import { json } from "../http";
import type { RouteDeps, RouteHandler } from "./context";

export function healthRoutes(
  deps: Pick<RouteDeps, "posts" | "cache" | "version">,
): Readonly<Record<"check", RouteHandler>> {
  return {
    check: async () => {
      const [database, cacheState] = await Promise.all([deps.posts.ping(), deps.cache.ping()]);
      return json(200, {
        status: database && cacheState !== "down" ? "ok" : "degraded",
        version: deps.version,
        checks: { database: database ? "up" : "down", cache: cacheState },
      });
    },
  };
}
