import { API_ROUTES, routeKey } from "../../lib/api-routes";
import { only, policy, resources, synthApp, type TerraformJson } from "./synth";

const lambdas = (stack: TerraformJson) => Object.values(resources(stack, "aws_lambda_function"));
const named = (stack: TerraformJson, suffix: string) =>
  lambdas(stack).find((f) => String(f.function_name).endsWith(suffix))!;

describe("api stack", () => {
  const app = synthApp();
  const api = app.stack("myblog-dev-api");

  it("declares every route, public ones without auth and author ones behind the JWT authorizer", () => {
    const routes = Object.values(resources(api, "aws_apigatewayv2_route"));
    expect(routes.map((r) => r.route_key).sort()).toEqual(API_ROUTES.map(routeKey).sort());
    for (const route of routes) {
      const declared = API_ROUTES.find((r) => routeKey(r) === route.route_key)!;
      const isPublic = declared.auth === "none";
      expect(route.authorization_type).toBe(isPublic ? "NONE" : "JWT");
      if (isPublic) expect(route["//"]).toMatchObject({ public_route: expect.stringMatching(/^.{20,}$/) });
      else expect(route.authorizer_id).toBe("${aws_apigatewayv2_authorizer.jwt.id}");
    }
    expect(API_ROUTES.filter((r) => r.auth === "jwt").map(routeKey)).toEqual([
      "POST /api/posts",
      "PUT /api/posts/{slug}",
      "DELETE /api/posts/{slug}",
      "POST /api/uploads",
    ]);
  });

  it("validates JWTs from the Cognito user pool created here, or from an external issuer", () => {
    const authorizer = only(api, "aws_apigatewayv2_authorizer");
    expect(authorizer).toMatchObject({
      authorizer_type: "JWT",
      identity_sources: ["$request.header.Authorization"],
    });
    expect(JSON.stringify(authorizer.jwt_configuration)).toMatch(/cognito-idp\.eu-west-1\.amazonaws\.com/);
    expect(only(api, "aws_cognito_user_pool_client").generate_secret).toBe(false);

    const external = synthApp({
      auth: { mode: "jwt", issuer: "https://id.example.com/", audience: ["blog"] },
      environments: { dev: {} },
    }).stack("myblog-dev-api");
    expect(resources(external, "aws_cognito_user_pool")).toEqual({});
    expect(only(external, "aws_apigatewayv2_authorizer").jwt_configuration).toEqual({
      issuer: "https://id.example.com/",
      audience: ["blog"],
    });
  });

  it("logs access as JSON and throttles by default", () => {
    const stage = only(api, "aws_apigatewayv2_stage");
    const format = JSON.parse(String((stage.access_log_settings as { format: string }).format));
    expect(format).toMatchObject({ requestId: "$context.requestId", status: "$context.status" });
    expect(stage.default_route_settings).toMatchObject({
      throttling_rate_limit: 50,
      throttling_burst_limit: 100,
    });
  });

  it("runs the API function alone with the migration function in private subnets, with what it needs", () => {
    const apiFn = named(api, "-api");
    expect(apiFn.vpc_config).toMatchObject({
      security_group_ids: [expect.stringMatching(/api-fn|apiFunction/)],
    });
    const env = (apiFn.environment as { variables: Record<string, string> }).variables;
    for (const key of [
      "DB_HOST",
      "DB_PORT",
      "DB_NAME",
      "DB_USER",
      "CACHE_HOST",
      "CACHE_USER",
      "SUBSCRIBERS_TABLE",
      "COUNTERS_TABLE",
      "PHOTOS_TABLE",
      "UPLOADS_BUCKET",
    ]) {
      expect(env[key]).toBeTruthy();
    }
    expect(apiFn.reserved_concurrent_executions).toBe(20);
    // Event functions stay out of the VPC.
    for (const stack of ["myblog-dev-events", "myblog-prod-events"]) {
      for (const fn of lambdas(app.stack(stack))) expect(fn.vpc_config).toBeUndefined();
    }
  });

  it("connects to PostgreSQL and Redis with IAM, never with a stored password", () => {
    const apiPolicy = Object.values(resources(api, "aws_iam_role_policy"))
      .map((p) => policy(p.policy))
      .find((p) => p.Statement.some((s) => s.Sid === "ConnectToPostgresWithIam"))!;
    const db = apiPolicy.Statement.find((s) => s.Sid === "ConnectToPostgresWithIam")!;
    expect(db.Resource).toMatch(/^arn:aws:rds-db:eu-west-1:.*:dbuser:.*\/blog_api$/);
    expect(JSON.stringify(api)).not.toMatch(/DB_PASSWORD|auth_token/);
  });

  it("invokes the migration function on deploy and again whenever its bundle (and so the migrations) changes", () => {
    const invocation = only(api, "aws_lambda_invocation");
    const migrate = named(api, "-migrate");
    expect(invocation.triggers).toEqual({ bundle: migrate.source_code_hash });
    expect(JSON.parse(String(invocation.input))).toEqual({ action: "migrate" });
  });

  it("lets API Gateway alone invoke the API function, for /api routes", () => {
    expect(only(api, "aws_lambda_permission")).toMatchObject({
      principal: "apigateway.amazonaws.com",
      source_arn: "${aws_apigatewayv2_api.http-api.execution_arn}/*/*/api/*",
    });
  });

  it("alarms on 5xx, latency, errors and throttles", () => {
    const metrics = Object.values(resources(api, "aws_cloudwatch_metric_alarm"))
      .map((a) => a.metric_name)
      .sort();
    expect(metrics).toEqual(["5xx", "Errors", "Latency", "Throttles"]);
  });
});
