/** The comment routes: a post's comments page by page, and a reader's new comment (rate-limited). */
import { json, parseInput, parseJsonBody } from "../http";
import { postNotFound } from "../posts-store";
import { commentBody, slugParams } from "../schemas";
import { cached, cacheKeys, CACHE_TTL_SECONDS, fresh, PUBLIC_CACHE_CONTROL } from "./caching";
import type { Routed, RouteHandler } from "./context";
import { clientId, pageOf } from "./inputs";
import { commentView, paged } from "./views";

export function commentRoutes(
  deps: Pick<Routed, "posts" | "cache" | "rateLimiter">,
): Readonly<Record<"list" | "add", RouteHandler>> {
  const { posts, cache, rateLimiter } = deps;
  return {
    list: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const page = pageOf(request.query);
      const field = `${page.limit}:${page.cursorText}`;
      const hit = await cache.getField(cacheKeys.comments(slug), field);
      if (hit !== undefined) return cached(hit, PUBLIC_CACHE_CONTROL);

      const rows = await posts.listComments(slug, page.limit, page.after);
      if (!rows) throw postNotFound(slug);
      const { shown, nextCursor } = paged(rows, page.limit);
      const body = JSON.stringify({ comments: shown.map(commentView), nextCursor });
      await cache.setField(cacheKeys.comments(slug), field, body, CACHE_TTL_SECONDS);
      return fresh(200, body, PUBLIC_CACHE_CONTROL);
    },

    add: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const client = clientId(request);
      const input = parseJsonBody(request, commentBody);
      await rateLimiter.enforce("comment", request, client);
      const row = await posts.addComment(slug, input.name, input.body);
      await cache.delete(cacheKeys.comments(slug), cacheKeys.post(slug));
      return json(201, commentView(row));
    },
  };
}
