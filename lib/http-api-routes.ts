/**
 * Declares routes of `lib/api-routes.ts` on an HTTP API: public ones without authorization (declared public for
 * the rule pack), author ones behind a JWT authorizer. The api stack declares the public routes; the author routes
 * go where their authorizer is (see lib/author-sign-in.ts).
 */
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import type { Construct } from "constructs";
import { declarePublicRoute } from "../checks/suppress";
import { routeKey, type RouteDefinition } from "./api-routes";

export interface HttpApiRoutesProps {
  readonly apiId: string;
  /** Integration every route targets (the API function). */
  readonly integrationId: string;
  readonly routes: readonly RouteDefinition[];
  /** Required when `routes` holds author (`jwt`) routes. @default none */
  readonly authorizerId?: string;
}

export function declareRoutes(scope: Construct, props: HttpApiRoutesProps): void {
  for (const definition of props.routes) {
    const route = routeKey(definition);
    const isPublic = definition.auth === "none";
    if (!isPublic && props.authorizerId === undefined) {
      throw new Error(`${route} is an author route: it needs the JWT authorizer`);
    }
    const id = `route-${route
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/-+$/, "")}`;
    const r = new Apigatewayv2Route(scope, id, {
      apiId: props.apiId,
      routeKey: route,
      target: `integrations/${props.integrationId}`,
      authorizationType: isPublic ? "NONE" : "JWT",
      authorizerId: isPublic ? undefined : props.authorizerId,
    });
    if (isPublic) declarePublicRoute(r, "Readers browse, comment, like and subscribe without an account");
  }
}

/** The authorizer of the author routes: JWTs of `issuer` for one of `audience`, in the `Authorization` header. */
export function jwtAuthorizer(
  scope: Construct,
  props: { readonly apiId: string; readonly issuer: string; readonly audience: string[] },
): Apigatewayv2Authorizer {
  return new Apigatewayv2Authorizer(scope, "jwt", {
    apiId: props.apiId,
    name: "authors",
    authorizerType: "JWT",
    identitySources: ["$request.header.Authorization"],
    jwtConfiguration: { issuer: props.issuer, audience: props.audience },
  });
}
