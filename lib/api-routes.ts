/**
 * The routes of the blog API, in one place: the api stack declares them in API Gateway (public ones without an
 * authorizer, author ones behind the JWT authorizer) and `npm run dev` routes requests with the same table.
 * Plain data, no imports: the dev server loads it without pulling in cdktf.
 */
export interface RouteDefinition {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path with `{name}` parameters, e.g. `/api/posts/{slug}`. */
  readonly path: string;
  /** `none`: public on purpose (readers need no account); `jwt`: author routes. */
  readonly auth: "none" | "jwt";
}

export const API_ROUTES: readonly RouteDefinition[] = [
  { method: "GET", path: "/api/health", auth: "none" },
  { method: "GET", path: "/api/posts", auth: "none" },
  { method: "GET", path: "/api/posts/{slug}", auth: "none" },
  { method: "GET", path: "/api/posts/{slug}/comments", auth: "none" },
  { method: "POST", path: "/api/posts/{slug}/comments", auth: "none" },
  { method: "POST", path: "/api/posts/{slug}/like", auth: "none" },
  { method: "POST", path: "/api/subscribe", auth: "none" },
  { method: "POST", path: "/api/posts", auth: "jwt" },
  { method: "PUT", path: "/api/posts/{slug}", auth: "jwt" },
  { method: "DELETE", path: "/api/posts/{slug}", auth: "jwt" },
  { method: "POST", path: "/api/uploads", auth: "jwt" },
];

/** API Gateway's route key, e.g. `GET /api/posts/{slug}`. */
export const routeKey = (route: RouteDefinition): string => `${route.method} ${route.path}`;
