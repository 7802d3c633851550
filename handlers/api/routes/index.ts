/**
 * Every route of lib/api-routes.ts with its handler, keyed by route id, and the router built from them. Each route
 * validates all of its input first (path, query, headers, body: a 4xx before any I/O), then reads through the
 * cache or writes and drops what the write makes stale.
 */
import { API_ROUTES, type RouteId } from "../../../lib/api-routes";
import { Router } from "../router";
import { commentRoutes } from "./comments";
import type { RouteDeps, RouteHandler } from "./context";
import { healthRoutes } from "./health";
import { likeRoutes } from "./likes";
import { postRoutes } from "./posts";
import { createRateLimiter } from "./rate-limits";
import { subscribeRoutes } from "./subscribe";
import { uploadRoutes } from "./uploads";

/** One handler per declared route: a route without a handler, or a handler without a route, is a type error. */
export type RouteHandlers = Readonly<Record<RouteId, RouteHandler>>;

export function createRoutes(given: RouteDeps): Router<RouteHandler> {
  // One limiter per container: its fallback counter outlives the invocations.
  const deps = { ...given, rateLimiter: given.rateLimiter ?? createRateLimiter(given.cache, given.logger) };
  const health = healthRoutes(deps);
  const posts = postRoutes(deps);
  const comments = commentRoutes(deps);
  const likes = likeRoutes(deps);
  const subscriptions = subscribeRoutes(deps);
  const uploads = uploadRoutes(deps);
  // An object literal checked with `satisfies`: a missing id, an unknown one or one given twice does not compile.
  const handlers = {
    health: health.check,
    listPosts: posts.list,
    getPost: posts.get,
    listComments: comments.list,
    addComment: comments.add,
    likePost: likes.like,
    subscribe: subscriptions.subscribe,
    createPost: posts.create,
    updatePost: posts.update,
    deletePost: posts.remove,
    createUpload: uploads.create,
  } satisfies RouteHandlers;
  return routerFor(handlers);
}

/** Registers each declared route, in the table's order, with its handler. */
export function routerFor<H>(handlers: Readonly<Record<RouteId, H>>): Router<H> {
  const router = new Router<H>();
  for (const route of API_ROUTES) router.add(route.method, route.path, handlers[route.id]);
  return router;
}
