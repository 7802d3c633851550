/**
 * The API function routes exactly what API Gateway sends it: the route table of lib/api-routes.ts, which the api
 * stack declares and `npm run dev` serves. A route added on one side only would be unreachable or unauthorized.
 */
import { API_ROUTES, routeKey } from "../../../lib/api-routes";
import { Router } from "../../../handlers/api/router";
import { createRoutes, type RouteDeps } from "../../../handlers/api/routes";

test("the handler registers every declared route and no other", () => {
  const add = jest.spyOn(Router.prototype, "add");
  try {
    // Registering routes touches none of the dependencies; they are only used when a request arrives.
    createRoutes({} as RouteDeps);
    const registered = add.mock.calls.map(([method, pattern]) => `${method} ${pattern}`);
    expect(registered.sort()).toEqual(API_ROUTES.map(routeKey).sort());
  } finally {
    add.mockRestore();
  }
});
