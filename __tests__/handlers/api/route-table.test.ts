/**
 * The API function routes exactly what API Gateway sends it: the route table of lib/api-routes.ts, which the api
 * stack declares and `npm run dev` serves. That every route has a handler and every handler a route is the
 * compiler's job (the handlers are a `Record<RouteId, …>`); what it cannot see is two routes colliding.
 */
import { API_ROUTES, type RouteId } from "../../../lib/api-routes";
import { routerFor } from "../../../handlers/api/routes";

test("every declared route reaches its own handler: no two share a method and path, none shadows another", () => {
  const ids = Object.fromEntries(API_ROUTES.map((route) => [route.id, route.id])) as Record<RouteId, RouteId>;
  const router = routerFor(ids);
  for (const route of API_ROUTES) {
    const params = Object.fromEntries(
      [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, `a-${name}`]),
    );
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]);
    expect(router.match(route.method, path)).toEqual({ handler: route.id, params });
  }
});
