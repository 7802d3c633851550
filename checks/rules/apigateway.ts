/** API Gateway stages: HTTP APIs (apigatewayv2) and REST APIs. */
import { asNumber, block, blocks, type Resource } from "../model";
import { resourceRule, type RuleContext } from "../rule";

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
