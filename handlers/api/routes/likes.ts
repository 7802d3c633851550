/** The like route: once per client per post, rate-limited per source address. */
import { json, parseInput } from "../http";
import { postNotFound } from "../posts-store";
import { slugParams } from "../schemas";
import { cacheKeys } from "./caching";
import type { Routed, RouteHandler } from "./context";
import { clientId } from "./inputs";

export function likeRoutes(
  deps: Pick<Routed, "posts" | "likes" | "cache" | "rateLimiter">,
): Readonly<Record<"like", RouteHandler>> {
  const { posts, likes, cache, rateLimiter } = deps;
  return {
    like: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const client = clientId(request);
      // Per source address whatever the client id: a script could invent a new one for every like.
      await rateLimiter.enforce("like", request, client);
      const known = (await cache.get(cacheKeys.post(slug))) !== undefined || (await posts.exists(slug));
      if (!known) throw postNotFound(slug);
      const result = await likes.like(slug, client);
      if (!result.alreadyLiked) await cache.delete(cacheKeys.post(slug));
      return json(200, { slug, likes: result.likes, alreadyLiked: result.alreadyLiked });
    },
  };
}
