/** API Gateway: HTTP APIs (apigatewayv2) and REST APIs. */
import { asNumber, block, blocks, type Resource } from "../model";
import { NOT_APPLICABLE, resourceRule, type RuleContext } from "../rule";

const STAGES = ["aws_apigatewayv2_stage", "aws_api_gateway_stage"];

function throttlingProblems(settings: Record<string, unknown> | undefined, where: string): string[] {
  const rate = asNumber(settings?.throttling_rate_limit);
  const burst = asNumber(settings?.throttling_burst_limit);
  const problems: string[] = [];
  if (rate === undefined || rate <= 0) problems.push(`${where} has no positive throttling_rate_limit`);
  if (burst === undefined || burst <= 0) problems.push(`${where} has no positive throttling_burst_limit`);
  return problems;
}

function restStageThrottling(stage: Resource, ctx: RuleContext): string[] {
  const settings = ctx.model
    .referrers(stage, "aws_api_gateway_method_settings", "stage_name")
    .filter((m) => m.body.method_path === "*/*")
    .map((m) => block(m.body.settings));
  if (settings.length === 0)
    return ['no aws_api_gateway_method_settings with method_path "*/*" refers to this stage'];
  return throttlingProblems(settings[0], "method settings */*");
}

export const apiGatewayRules = [
  resourceRule({
    id: "CKV_AWS_76",
    title: "API Gateway stage has access logging",
    description: "The stage writes no access logs, so requests cannot be traced or audited.",
    remediation:
      "Set access_log_settings { destination_arn = <log group ARN>, format = <JSON format> } on the stage.",
    types: STAGES,
    check: (stage) =>
      block(stage.body.access_log_settings)?.destination_arn
        ? undefined
        : "has no access_log_settings.destination_arn",
  }),
  resourceRule({
    id: "CKV_AWS_309",
    aliases: ["CKV_AWS_59"],
    title: "API routes require authorization unless declared public",
    description:
      "A route has authorization NONE without being declared public, so anyone can call it, possibly by mistake.",
    remediation:
      "Give the route an authorizer (JWT, AWS_IAM or CUSTOM), or declare it public on purpose with declarePublicRoute(route, reason) from checks/suppress.ts.",
    types: ["aws_apigatewayv2_route", "aws_api_gateway_method"],
    check(route) {
      const isRest = route.type === "aws_api_gateway_method";
      // CORS preflight never carries credentials.
      if (isRest && route.body.http_method === "OPTIONS") return NOT_APPLICABLE;
      const auth = String(route.body[isRest ? "authorization" : "authorization_type"] ?? "NONE");
      if (auth !== "NONE") return undefined;
      if (route.publicRoute) return undefined;
      const name = isRest
        ? `${String(route.body.http_method)} method`
        : `route ${String(route.body.route_key)}`;
      return `${name} has authorization NONE and is not declared public`;
    },
  }),
  resourceRule({
    id: "BLOG_APIGW_THROTTLING",
    title: "API Gateway stage sets throttling",
    description:
      "The stage has no rate and burst limits, so a flood of requests reaches the functions and the database.",
    remediation:
      'HTTP API: default_route_settings { throttling_rate_limit, throttling_burst_limit } on the stage. REST API: aws_api_gateway_method_settings with method_path "*/*" and both limits.',
    types: STAGES,
    check: (stage, ctx) =>
      stage.type === "aws_apigatewayv2_stage"
        ? throttlingProblems(blocks(stage.body.default_route_settings)[0], "default_route_settings")
        : restStageThrottling(stage, ctx),
  }),
];
