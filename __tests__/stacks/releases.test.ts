/**
 * Safe releases at synth level: every function is published as versions and invoked only through its `live`
 * alias; CodeDeploy shifts the alias of the API and event functions by the environment's preset and rolls back on
 * the function's own alarms; the pipeline learns what to shift from the `release_targets` output.
 */
import { asArray, policy, resources, synthApp, type TerraformJson } from "./synth";

const app = synthApp();
const stacks = app.stackNames
  .filter((name) => /-(api|events)$/.test(name))
  .map((name) => [name, app.stack(name)]);
const released: Record<string, string[]> = {
  api: ["api"],
  events: ["mail-feedback", "thumbnail", "upload-stats", "welcome-email"],
};

/** `${aws_lambda_alias.<id>.<attribute>}` of the alias of the function whose resource id is `fnId`. */
const aliasOf = (stack: TerraformJson, fnId: string) => {
  const fnName = `\${aws_lambda_function.${fnId}.function_name}`;
  const entry = Object.entries(resources(stack, "aws_lambda_alias")).find(
    ([, a]) => a.function_name === fnName,
  );
  if (!entry) throw new Error(`no alias for ${fnId}`);
  return entry[0];
};

describe.each(stacks as Array<[string, TerraformJson]>)("%s", (name, stack) => {
  const functions = resources(stack, "aws_lambda_function");

  it("publishes every function and gives each one live alias", () => {
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.publish).toBe(true);
      const alias = resources(stack, "aws_lambda_alias")[aliasOf(stack, id)];
      expect(alias).toMatchObject({
        name: "live",
        function_version: `\${aws_lambda_function.${id}.version}`,
      });
    }
  });

  it("invokes nothing but the alias: integrations, subscriptions, mappings, permissions, async settings, invocations", () => {
    const liveArns = Object.keys(functions).map((id) => `\${aws_lambda_alias.${aliasOf(stack, id)}.arn}`);
    const unqualified = Object.keys(functions).map((id) => `\${aws_lambda_function.${id}.arn}`);
    const text = JSON.stringify(stack.resource);
    for (const arn of unqualified) expect(text).not.toContain(arn);
    expect(text).not.toContain("$LATEST");
    for (const integration of Object.values(resources(stack, "aws_apigatewayv2_integration")))
      expect(liveArns).toContain(integration.integration_uri);
    for (const sub of Object.values(resources(stack, "aws_sns_topic_subscription")))
      if (sub.protocol === "lambda") expect(liveArns).toContain(sub.endpoint);
    for (const mapping of Object.values(resources(stack, "aws_lambda_event_source_mapping")))
      expect(liveArns).toContain(mapping.function_name);
    for (const type of [
      "aws_lambda_permission",
      "aws_lambda_function_event_invoke_config",
      "aws_lambda_invocation",
    ])
      for (const resource of Object.values(resources(stack, type)))
        expect(resource.qualifier).toContain(".name}");
  });

  it("releases the traffic-serving functions through CodeDeploy, rolling back on their alarms", () => {
    const production = name.includes("-prod-");
    const layer = name.endsWith("-api") ? "api" : "events";
    const groups = resources(stack, "aws_codedeploy_deployment_group");
    const alarms = resources(stack, "aws_cloudwatch_metric_alarm");
    const app = Object.values(resources(stack, "aws_codedeploy_app"));
    expect(app).toEqual([expect.objectContaining({ compute_platform: "Lambda", name: name })]);
    expect(Object.keys(groups).map((id) => id.replace(/^releases_(.+)_[0-9A-F]{8}$/, "$1"))).toEqual(
      released[layer],
    );
    for (const group of Object.values(groups)) {
      const fnName = String(group.deployment_group_name);
      expect(group).toMatchObject({
        deployment_config_name: production
          ? "CodeDeployDefault.LambdaCanary10Percent5Minutes"
          : "CodeDeployDefault.LambdaAllAtOnce",
        deployment_style: { deployment_option: "WITH_TRAFFIC_CONTROL", deployment_type: "BLUE_GREEN" },
        auto_rollback_configuration: {
          enabled: true,
          events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
        trigger_configuration: [
          expect.objectContaining({
            trigger_events: ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"],
          }),
        ],
      });
      // Alarms of this stack on this function: its errors and throttles (and, for the API, the API's 5xx).
      const rollback = (group.alarm_configuration as { alarms: string[]; enabled: boolean }).alarms.map(
        (ref) => {
          const id = /^\$\{aws_cloudwatch_metric_alarm\.(.+)\.alarm_name\}$/.exec(ref)?.[1];
          expect(alarms[id!]).toBeDefined();
          return alarms[id!];
        },
      );
      const functionMetrics = rollback
        .filter((alarm) => alarm.namespace === "AWS/Lambda")
        .map((alarm) => [alarm.metric_name, (alarm.dimensions as { FunctionName: string }).FunctionName]);
      expect(functionMetrics).toEqual([
        ["Errors", fnName],
        ["Throttles", fnName],
      ]);
      expect(
        rollback.filter((alarm) => alarm.namespace === "AWS/ApiGateway").map((a) => a.metric_name),
      ).toEqual(layer === "api" ? ["5xx"] : []);
      expect(fnName).toMatch(/^\$\{aws_lambda_function\..+\.function_name\}$/);
    }
    // The migration moves with Terraform (it serves no traffic); the released aliases ignore what CodeDeploy moves.
    for (const [id, alias] of Object.entries(resources(stack, "aws_lambda_alias"))) {
      const byCodeDeploy = !id.startsWith("migrate_");
      expect(alias.lifecycle).toEqual(
        byCodeDeploy ? { ignore_changes: ["function_version", "routing_config"] } : undefined,
      );
    }
  });

  it("lets CodeDeploy shift only this stack's aliases, and reports to the ops topic", () => {
    const [role] = Object.values(resources(stack, "aws_iam_role_policy")).filter(
      (p) => p.name === "release-functions",
    );
    const statements = policy(role.policy).Statement;
    const shift = statements.find((s) => s.Sid === "ShiftLiveAliases")!;
    expect(asArray(shift.Resource)).toHaveLength(released[name.endsWith("-api") ? "api" : "events"].length);
    for (const arn of asArray(shift.Resource)) expect(arn).toMatch(/^\$\{aws_lambda_alias\..+\.arn\}$/);
    expect(statements.find((s) => s.Sid === "ReportToOps")!.Action).toBe("sns:Publish");
  });

  it("tells the pipeline each released function's current and target version", () => {
    const output = (stack.output as Record<string, { value: Array<Record<string, string>> }>).release_targets;
    expect(output.value.map((t) => t.functionName)).toHaveLength(
      released[name.endsWith("-api") ? "api" : "events"].length,
    );
    for (const target of output.value) {
      expect(target.alias).toMatch(/^\$\{aws_lambda_alias\..+\.name\}$/);
      expect(target.currentVersion).toMatch(/^\$\{aws_lambda_alias\..+\.function_version\}$/);
      expect(target.targetVersion).toMatch(/^\$\{aws_lambda_function\..+\.version\}$/);
    }
  });
});

describe("options", () => {
  it("has no provisioned concurrency by default, and puts it on the API's alias when asked", () => {
    expect(resources(app.stack("myblog-prod-api"), "aws_lambda_provisioned_concurrency_config")).toEqual({});
    const provisioned = synthApp({
      environments: {
        dev: {
          api: { provisionedConcurrency: 3 },
          release: { deploymentPreset: "Linear10PercentEvery1Minute" },
        },
      },
    });
    const stack = provisioned.stack("myblog-dev-api");
    expect(Object.values(resources(stack, "aws_lambda_provisioned_concurrency_config"))).toEqual([
      expect.objectContaining({
        qualifier: `\${aws_lambda_alias.${aliasOf(stack, "api_function_AF620FF3")}.name}`,
        provisioned_concurrent_executions: 3,
      }),
    ]);
    expect(Object.values(resources(stack, "aws_codedeploy_deployment_group"))[0].deployment_config_name).toBe(
      "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    );
  });
});
