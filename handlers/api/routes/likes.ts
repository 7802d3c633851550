/** The like route: once per client per post, rate-limited per source address. */
import { json, parseInput } from "../http";
import { postNotFound } from "../posts-store";
import { slugParams } from "../schemas";
import { cacheKeys } from "./caching";
import type { RouteDeps, RouteHandler } from "./context";
import { clientId } from "./inputs";
import { enforceRateLimit } from "./rate-limits";

export function likeRoutes(
  deps: Pick<RouteDeps, "posts" | "likes" | "cache">,
): Readonly<Record<"like", RouteHandler>> {
  const { posts, likes, cache } = deps;
  return {
    like: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const client = clientId(request);
      // Per source address too: a script could invent a new client id for every like.
      await enforceRateLimit(cache, "like", `ip:${request.sourceIp}`);
      const known = (await cache.get(cacheKeys.post(slug))) !== undefined || (await posts.exists(slug));
      if (!known) throw postNotFound(slug);
      const result = await likes.like(slug, client);
      if (!result.alreadyLiked) await cache.delete(cacheKeys.post(slug));
      return json(200, { slug, likes: result.likes, alreadyLiked: result.alreadyLiked });
    },
  };
}
