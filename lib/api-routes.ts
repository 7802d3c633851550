/**
 * The routes of the blog API, in one place: the api stack declares them in API Gateway (public ones without an
 * authorizer, author ones behind the JWT authorizer), the API function registers one handler per route id, and
 * `npm run dev` routes requests with the same table. Plain data, no imports: the dev server and the handler bundle
 * load it without pulling in cdktf.
 */
export interface RouteDefinition {
  /** Names the route in code (the API's handler record is keyed by it); never part of the synthesized JSON. */
  readonly id: RouteId;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path with `{name}` parameters, e.g. `/api/posts/{slug}`. */
  readonly path: string;
  /** `none`: public on purpose (readers need no account); `jwt`: author routes. */
  readonly auth: "none" | "jwt";
}

// Keyed by id, so an id cannot be given twice (a duplicate key is a compile error); the order is the order routes
// are declared in API Gateway and registered in the function.
const ROUTES_BY_ID = {
  health: { method: "GET", path: "/api/health", auth: "none" },
  listPosts: { method: "GET", path: "/api/posts", auth: "none" },
  getPost: { method: "GET", path: "/api/posts/{slug}", auth: "none" },
  listComments: { method: "GET", path: "/api/posts/{slug}/comments", auth: "none" },
  addComment: { method: "POST", path: "/api/posts/{slug}/comments", auth: "none" },
  likePost: { method: "POST", path: "/api/posts/{slug}/like", auth: "none" },
  subscribe: { method: "POST", path: "/api/subscribe", auth: "none" },
  createPost: { method: "POST", path: "/api/posts", auth: "jwt" },
  updatePost: { method: "PUT", path: "/api/posts/{slug}", auth: "jwt" },
  deletePost: { method: "DELETE", path: "/api/posts/{slug}", auth: "jwt" },
  createUpload: { method: "POST", path: "/api/uploads", auth: "jwt" },
} as const satisfies Readonly<Record<string, Omit<RouteDefinition, "id">>>;

/** The id of a declared route: `Record<RouteId, …>` has exactly one entry per route. */
export type RouteId = keyof typeof ROUTES_BY_ID;

export const API_ROUTES: readonly RouteDefinition[] = (Object.keys(ROUTES_BY_ID) as RouteId[]).map((id) => ({
  id,
  ...ROUTES_BY_ID[id],
}));

/** API Gateway's route key, e.g. `GET /api/posts/{slug}`. */
export const routeKey = (route: RouteDefinition): string => `${route.method} ${route.path}`;
