/**
 * Safe releases at synth level: every function is published as versions and invoked only through its `live`
 * alias. All at once (dev), Terraform moves the alias in the apply that publishes the version; with a canary or
 * linear preset (prod), CodeDeploy shifts the alias of the API and event functions and rolls back on the function's
 * own alarms, started and waited for by each function's release resource in the same apply
 * (__tests__/pipeline/release.test.ts runs one with Terraform).
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

/** The stack's release resources (lib/release.ts), among its other `terraform_data`. */
const releaseResources = (stack: TerraformJson) =>
  Object.fromEntries(
    Object.entries(resources(stack, "terraform_data")).filter(([id]) => id.startsWith("releases_")),
  );

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
    // The release role's GetAlias/UpdateAlias name the function ARN: they manage the alias and invoke nothing.
    const text = JSON.stringify(stack.resource, (key, value: unknown) =>
      key === "policy" && String(value).includes('"ShiftLiveAliases"') ? undefined : value,
    );
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

  it("releases the traffic-serving functions through CodeDeploy in production, with Terraform all at once", () => {
    const production = name.includes("-prod-");
    const layer = name.endsWith("-api") ? "api" : "events";
    const groups = resources(stack, "aws_codedeploy_deployment_group");
    const alarms = resources(stack, "aws_cloudwatch_metric_alarm");
    const app = Object.values(resources(stack, "aws_codedeploy_app"));
    if (!production) {
      // AllAtOnce without a hook: nothing for CodeDeploy to do, every alias follows its function's new version.
      expect(app).toEqual([]);
      expect(groups).toEqual({});
      expect(releaseResources(stack)).toEqual({});
      for (const alias of Object.values(resources(stack, "aws_lambda_alias")))
        expect(alias.lifecycle).toBeUndefined();
      return;
    }
    expect(app).toEqual([expect.objectContaining({ compute_platform: "Lambda", name: name })]);
    expect(Object.keys(groups).map((id) => id.replace(/^releases_(.+)_[0-9A-F]{8}$/, "$1"))).toEqual(
      released[layer],
    );
    for (const group of Object.values(groups)) {
      const fnName = String(group.deployment_group_name);
      expect(group).toMatchObject({
        deployment_config_name: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
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
    // The migration and the pre-traffic hook move with Terraform (they serve no traffic); the released aliases
    // ignore what CodeDeploy moves.
    for (const [id, alias] of Object.entries(resources(stack, "aws_lambda_alias"))) {
      const byCodeDeploy = !/^(migrate|api-release-hook)_/.test(id);
      expect(alias.lifecycle).toEqual(
        byCodeDeploy ? { ignore_changes: ["function_version", "routing_config"] } : undefined,
      );
    }
  });

  it("lets CodeDeploy shift only this stack's aliases, and reports to the ops topic", () => {
    if (!name.includes("-prod-")) return;
    const [role] = Object.values(resources(stack, "aws_iam_role_policy")).filter(
      (p) => p.name === "release-functions",
    );
    const statements = policy(role.policy).Statement;
    const count = released[name.endsWith("-api") ? "api" : "events"].length;
    // GetAlias/UpdateAlias take the function ARN (Service Authorization Reference), provisioned concurrency
    // the alias's.
    const shift = statements.find((s) => s.Sid === "ShiftLiveAliases")!;
    expect(asArray(shift.Resource)).toHaveLength(count);
    for (const arn of asArray(shift.Resource)) expect(arn).toMatch(/^\$\{aws_lambda_function\..+\.arn\}$/);
    const concurrency = statements.find((s) => s.Sid === "ReadAliasConcurrency")!;
    for (const arn of asArray(concurrency.Resource)) expect(arn).toMatch(/^\$\{aws_lambda_alias\..+\.arn\}$/);
    const alarms = asArray(statements.find((s) => s.Sid === "ReadRollbackAlarms")!.Resource);
    expect(alarms.length).toBeGreaterThanOrEqual(2 * count);
    for (const arn of alarms)
      expect(arn).toMatch(
        /^arn:aws:cloudwatch:eu-west-1:\$\{data\.aws_caller_identity\.caller\.account_id\}:alarm:\$\{aws_cloudwatch_metric_alarm\..+\.alarm_name\}$/,
      );
    expect(statements.find((s) => s.Sid === "ReportToOps")!.Action).toBe("sns:Publish");
  });

  it("releases each new version in the apply that publishes it: a release resource per released function", () => {
    if (!name.includes("-prod-")) return;
    const releases = releaseResources(stack);
    const groups = resources(stack, "aws_codedeploy_deployment_group");
    expect(Object.keys(releases)).toHaveLength(released[name.endsWith("-api") ? "api" : "events"].length);
    for (const [id, release] of Object.entries(releases)) {
      const fnId = id.replace(/^releases_(.+)-release_[0-9A-F]{8}$/, "$1");
      const [fn] = Object.keys(functions).filter((f) => f.startsWith(`${fnId}_function_`));
      const [group] = Object.keys(groups).filter((g) => g.startsWith(`releases_${fnId}_`));
      expect(release.triggers_replace).toEqual({ "0": `\${aws_lambda_function.${fn}.version}` });
      const [{ "local-exec": exec }] = release.provisioner as Array<{
        "local-exec": { command: string; environment: Record<string, string> };
      }>;
      // The bundled release program, run by the node that runs cdktf: no AWS CLI, no node_modules.
      expect(exec.command).toMatch(
        /^node "assets\/releases_program_[0-9A-F]{8}\/[0-9A-F]{32}\/release\.mjs"$/,
      );
      const request = exec.environment.BLOG_RELEASE_REQUEST;
      expect(request).toContain(`"targetVersion" = aws_lambda_function.${fn}.version`);
      expect(request).toContain(
        `"deploymentGroup" = aws_codedeploy_deployment_group.${group}.deployment_group_name`,
      );
      expect(request).toContain(`"timeoutMinutes" = 35`);
      // No credentials but the deploy role's (none configured here: the job's own).
      expect(exec.environment.BLOG_RELEASE_ROLE_ARN).toBe("");
      expect(release.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\.releases_policy_/)]);
    }
  });
});

describe("options", () => {
  it("runs the release with the environment's deploy role, external id and session name when it has an account", () => {
    const stack = synthApp({
      environments: {
        prod: {
          account: {
            id: "222222222222",
            deployRoleArn: "arn:aws:iam::222222222222:role/deploy",
            externalId: "ext-1",
          },
          alarmEmails: ["ops@example.com"],
        },
      },
    }).stack("myblog-prod-events");
    const releases = Object.values(releaseResources(stack));
    expect(releases).toHaveLength(released.events.length);
    for (const release of releases) {
      const [{ "local-exec": exec }] = release.provisioner as Array<{
        "local-exec": { environment: Record<string, string> };
      }>;
      // The role variable's default; TF_VAR_aws_role_arn, when set, wins in the program (pipeline/release-cli.ts).
      expect(exec.environment).toMatchObject({
        BLOG_RELEASE_ROLE_ARN: "arn:aws:iam::222222222222:role/deploy",
        BLOG_RELEASE_EXTERNAL_ID: "ext-1",
        BLOG_RELEASE_SESSION_NAME: "myblog-prod-events",
      });
    }
  });

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

/** The release request the API's release resource hands the release program. */
const requestOf = (stack: TerraformJson) => {
  const [release] = Object.values(releaseResources(stack));
  const [{ "local-exec": exec }] = release.provisioner as Array<{
    "local-exec": { environment: Record<string, string> };
  }>;
  return exec.environment.BLOG_RELEASE_REQUEST;
};

describe("the pre-traffic hook (release.preTrafficHook)", () => {
  const hookOf = (stack: TerraformJson) =>
    Object.entries(resources(stack, "aws_lambda_function")).filter(([id]) =>
      id.startsWith("api-release-hook_"),
    );
  const prod = app.stack("myblog-prod-api");
  const apiFunction = "${aws_lambda_function.api_function_AF620FF3.function_name}";

  it("is on in production and off in development by default", () => {
    expect(hookOf(prod)).toHaveLength(1);
    expect(hookOf(app.stack("myblog-dev-api"))).toEqual([]);
    expect(releaseResources(app.stack("myblog-dev-api"))).toEqual({});
  });

  it("smoke-tests the API function, outside the VPC, with no CodeDeploy group of its own", () => {
    const [[id, fn]] = hookOf(prod);
    expect(fn).toMatchObject({
      function_name: "myblog-prod-api-release-hook",
      timeout: 30,
      environment: { variables: expect.objectContaining({ TARGET_FUNCTION_NAME: apiFunction }) },
    });
    expect(fn.vpc_config).toBeUndefined();
    const groups = Object.values(resources(prod, "aws_codedeploy_deployment_group"));
    expect(groups.map((g) => g.deployment_group_name)).toEqual([apiFunction]);
    // Excused from BLOG_LAMBDA_RELEASED by name, with its reason, like the migration.
    const suppressions = (fn["//"] as { suppressions: Array<{ rule: string; reason: string }> }).suppressions;
    expect(suppressions.find((s) => s.rule === "BLOG_LAMBDA_RELEASED")?.reason).toMatch(/pre-traffic hook/);
    expect(id).toMatch(/^api-release-hook_function_/);
  });

  it("may invoke only the API's versions and report only on the API's deployment group", () => {
    const [[id]] = hookOf(prod);
    const role = `\${aws_iam_role.${id.replace("_function_", "_role_").replace(/_[0-9A-F]{8}$/, "")}`;
    const [hookPolicy] = Object.values(resources(prod, "aws_iam_role_policy")).filter((p) =>
      String(p.role).startsWith(role),
    );
    const [group] = Object.keys(resources(prod, "aws_codedeploy_deployment_group"));
    expect(
      policy(hookPolicy.policy).Statement.filter((s) => !["WriteOwnLogs", "Tracing"].includes(String(s.Sid))),
    ).toEqual([
      {
        Sid: "InvokeTargetVersions",
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: `arn:aws:lambda:eu-west-1:\${data.aws_caller_identity.caller.account_id}:function:${apiFunction}:*`,
      },
      {
        Sid: "ReportOnTargetDeployments",
        Effect: "Allow",
        Action: ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"],
        Resource: `\${aws_codedeploy_deployment_group.${group}.arn}`,
      },
    ]);
  });

  it("is invoked by CodeDeploy's role through its alias, and named in the API's release request", () => {
    const [[id]] = hookOf(prod);
    const hookAlias = `\${aws_lambda_alias.${aliasOf(prod, id)}.arn}`;
    const release = Object.values(resources(prod, "aws_iam_role_policy")).find(
      (p) => p.name === "release-functions",
    )!;
    expect(policy(release.policy).Statement.find((s) => s.Sid === "InvokePreTrafficHooks")).toEqual({
      Sid: "InvokePreTrafficHooks",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: [hookAlias],
    });
    expect(requestOf(prod)).toContain(`"beforeAllowTraffic" = ${hookAlias.slice(2, -1)}`);
  });

  it("can be turned on in development, where it brings CodeDeploy and no rule asks for an excuse", () => {
    const on = synthApp({ environments: { dev: { release: { preTrafficHook: true } } } }).stack(
      "myblog-dev-api",
    );
    const [[, fn]] = hookOf(on);
    expect(fn["//"]).toMatchObject({
      suppressions: expect.not.arrayContaining([expect.objectContaining({ rule: "BLOG_LAMBDA_RELEASED" })]),
    });
    expect(requestOf(on)).toMatch(/"beforeAllowTraffic" = aws_lambda_alias\.api-release-hook_live_.+\.arn/);
    expect(Object.values(resources(on, "aws_codedeploy_deployment_group"))[0].deployment_config_name).toBe(
      "CodeDeployDefault.LambdaAllAtOnce",
    );
  });
});
