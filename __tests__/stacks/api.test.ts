import { API_ROUTES, routeKey } from "../../lib/api-routes";
import { networkKeyReference, only, policy, resources, synthApp, type TerraformJson } from "./synth";

const lambdas = (stack: TerraformJson) => Object.values(resources(stack, "aws_lambda_function"));
const named = (stack: TerraformJson, suffix: string) =>
  lambdas(stack).find((f) => String(f.function_name).endsWith(suffix))!;

describe("api stack", () => {
  const app = synthApp();
  const api = app.stack("myblog-dev-api");

  it("declares the public routes without auth; the edge stack adds the author routes behind the JWT authorizer", () => {
    const edge = app.stack("myblog-dev-edge");
    const publicRoutes = Object.values(resources(api, "aws_apigatewayv2_route"));
    const authorRoutes = Object.values(resources(edge, "aws_apigatewayv2_route"));
    expect([...publicRoutes, ...authorRoutes].map((r) => r.route_key).sort()).toEqual(
      API_ROUTES.map(routeKey).sort(),
    );
    for (const route of publicRoutes) {
      expect(route.authorization_type).toBe("NONE");
      expect(route["//"]).toMatchObject({ public_route: expect.stringMatching(/^.{20,}$/) });
    }
    const authorizerId = `\${${Object.keys(resources(edge, "aws_apigatewayv2_authorizer")).map((id) => `aws_apigatewayv2_authorizer.${id}.id`)[0]}}`;
    for (const route of authorRoutes) {
      expect(route).toMatchObject({ authorization_type: "JWT", authorizer_id: authorizerId });
      expect(String(route.api_id)).toMatch(/myblog-dev-api/);
    }
    expect(API_ROUTES.filter((r) => r.auth === "jwt").map(routeKey)).toEqual([
      "POST /api/posts",
      "PUT /api/posts/{slug}",
      "DELETE /api/posts/{slug}",
      "POST /api/uploads",
    ]);
    expect(authorRoutes.map((r) => r.route_key).sort()).toEqual(
      API_ROUTES.filter((r) => r.auth === "jwt")
        .map(routeKey)
        .sort(),
    );
  });

  it("creates the authors' pool with a unique, stable hosted UI prefix; an external issuer needs neither", () => {
    expect(resources(api, "aws_apigatewayv2_authorizer")).toEqual({});
    expect(resources(api, "aws_cognito_user_pool_client")).toEqual({});
    expect(only(api, "aws_cognito_user_pool_domain").domain).toBe(
      "myblog-dev-authors-${substr(sha256(data.aws_caller_identity.caller.account_id), 0, 10)}",
    );

    const external = synthApp({
      auth: { mode: "jwt", issuer: "https://id.example.com/", audience: ["blog"] },
      environments: { dev: {} },
    });
    const externalApi = external.stack("myblog-dev-api");
    expect(resources(externalApi, "aws_cognito_user_pool")).toEqual({});
    expect(only(externalApi, "aws_apigatewayv2_authorizer").jwt_configuration).toEqual({
      issuer: "https://id.example.com/",
      audience: ["blog"],
    });
    const routes = Object.values(resources(externalApi, "aws_apigatewayv2_route"));
    expect(routes).toHaveLength(API_ROUTES.length);
    for (const route of routes.filter((r) => r.authorization_type === "JWT")) {
      expect(route.authorizer_id).toBe("${aws_apigatewayv2_authorizer.jwt.id}");
    }
    const edge = external.stack("myblog-dev-edge");
    expect(resources(edge, "aws_cognito_user_pool_client")).toEqual({});
    expect(resources(edge, "aws_apigatewayv2_route")).toEqual({});
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

  it("encrypts its logs with the network's key, which the API may use for data and the migration to read its secret", () => {
    const networkKey = networkKeyReference(app, "dev");
    const groups = Object.values(resources(api, "aws_cloudwatch_log_group"));
    expect(groups.map((g) => g.name).sort()).toEqual([
      "/aws/apigateway/myblog-dev-api",
      "/aws/lambda/myblog-dev-api",
      "/aws/lambda/myblog-dev-migrate",
    ]);
    for (const group of groups) expect(group.kms_key_id).toBe(networkKey);
    const keyUse = (suffix: string) => {
      const prefix = `${suffix}_policy_`;
      const [, rolePolicy] = Object.entries(resources(api, "aws_iam_role_policy")).find(([id]) =>
        id.startsWith(prefix),
      )!;
      return policy(rolePolicy.policy).Statement.find((s) => s.Sid === "UseDataKey");
    };
    expect(keyUse("api")).toMatchObject({
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: networkKey,
    });
    expect(keyUse("migrate")).toMatchObject({ Action: ["kms:Decrypt"], Resource: networkKey });
  });

  it("connects to PostgreSQL and Redis with IAM, never with a stored password", () => {
    const apiPolicy = Object.values(resources(api, "aws_iam_role_policy"))
      .map((p) => policy(p.policy))
      .find((p) => p.Statement.some((s) => s.Sid === "ConnectToPostgresWithIam"))!;
    const db = apiPolicy.Statement.find((s) => s.Sid === "ConnectToPostgresWithIam")!;
    expect(db.Resource).toMatch(/^arn:aws:rds-db:eu-west-1:.*:dbuser:.*\/blog_api$/);
    expect(JSON.stringify(api)).not.toMatch(/DB_PASSWORD|auth_token/);
  });

  it("connects the API through the RDS Proxy where the data layer runs one, the migration function directly", () => {
    const variables = (fn: Record<string, unknown>) =>
      (fn.environment as { variables: Record<string, string> }).variables;
    const prodApi = app.stack("myblog-prod-api");
    const fromData = (attribute: string) =>
      expect.stringMatching(new RegExp(`myblog-prod-data\\.outputs\\.cross-stack-output-${attribute}\\}`));
    expect(variables(named(prodApi, "-api")).DB_HOST).toEqual(fromData("aws_db_proxydb-proxy_.*endpoint"));
    expect(variables(named(prodApi, "-migrate")).DB_HOST).toEqual(fromData("aws_db_instancepostgresaddress"));
    // The pool then leaves statement_timeout to the role (RDS Proxy refuses it as a startup parameter).
    expect(variables(named(prodApi, "-api")).DB_PROXY).toBe("true");
    expect(variables(named(api, "-api")).DB_PROXY).toBe("false");
    // Without a proxy (dev), the API connects to the instance.
    expect(variables(named(api, "-api")).DB_HOST).toMatch(
      /cross-stack-output-aws_db_instancepostgresaddress\}$/,
    );

    // The token is for the proxy's prx-… id, not the instance's dbi-resource-id.
    const statement = Object.values(resources(prodApi, "aws_iam_role_policy"))
      .flatMap((p) => policy(p.policy).Statement)
      .find((s) => s.Sid === "ConnectToPostgresWithIam")!;
    expect(statement.Resource).toMatch(
      /^arn:aws:rds-db:eu-west-1:\$\{[^}]+\}:dbuser:\$\{[^}]+cross-stack-output-localdb-proxy_resource-id_[^}]+\}\/blog_api$/,
    );
    const locals = app.stack("myblog-prod-data").locals!;
    const local = Object.entries(locals).find(([name]) => name.startsWith("db-proxy_resource-id"))!;
    expect(local[1]).toMatch(/^\$\{element\(split\(":", aws_db_proxy\.[^.]+\.arn\), 6\)\}$/);
  });

  it("scopes the VPC functions' network-interface permissions to their subnets and groups, without a managed policy", () => {
    expect(resources(api, "aws_iam_role_policy_attachment")).toEqual({});
    const policies = Object.values(resources(api, "aws_iam_role_policy")).map((p) => policy(p.policy));
    const vpcPolicies = policies.filter((p) =>
      p.Statement.some((s) => s.Sid === "VpcCreateNetworkInterface"),
    );
    expect(vpcPolicies).toHaveLength(2); // api and migrate
    for (const p of vpcPolicies) {
      const sid = (id: string) => p.Statement.find((s) => s.Sid === id)!;
      expect(sid("VpcDescribeNetworkInterfaces")).toMatchObject({
        Action: "ec2:DescribeNetworkInterfaces",
        Resource: "*",
      });
      const create = [sid("VpcCreateNetworkInterface").Resource].flat() as string[];
      expect(create.filter((r) => /:subnet\//.test(r))).toHaveLength(2);
      expect(create.filter((r) => /:security-group\//.test(r))).toHaveLength(1);
      expect(create).toContain(
        "arn:aws:ec2:eu-west-1:${data.aws_caller_identity.caller.account_id}:network-interface/*",
      );
      expect(create.every((r) => r.startsWith("arn:aws:ec2:eu-west-1:"))).toBe(true);
      const manage = sid("VpcManageNetworkInterfaces");
      expect(manage.Action).toEqual([
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]);
      expect(manage.Condition).toEqual({
        ArnEquals: { "ec2:Subnet": create.filter((r) => /:subnet\//.test(r)) },
      });
      // Nothing else on "*" but X-Ray and the describe call, which take no resource-level permissions.
      const unscoped = p.Statement.filter((s) => [s.Resource].flat().includes("*")).map((s) => String(s.Sid));
      expect(unscoped.sort()).toEqual(["Tracing", "VpcDescribeNetworkInterfaces"]);
    }
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
