/**
 * Safe releases of a stack's functions: one CodeDeploy application (compute platform Lambda) per stack and a
 * deployment group per function, which shifts the function's `live` alias to a new version by the environment's
 * preset (`release.deploymentPreset`) and rolls it back when one of the function's alarms fires during the shift.
 * Terraform publishes the version and leaves the alias alone (lib/node-function.ts); the pipeline starts the
 * deployment (pipeline/release.ts) from the versions this stack's `release_targets` output reports, naming the
 * function's pre-traffic hook (lib/release-hook.ts) when it has one.
 */
import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Lazy, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { RELEASE_TARGETS_OUTPUT, type ReleaseTarget } from "../shared/release-targets";
import { assumeRolePolicy, policyDocument } from "./iam";
import type { Names } from "./naming";
import type { NodeFunction } from "./node-function";

export interface ReleasesProps {
  readonly names: Names;
  /** The stack's layer, naming the application: `<app>-<env>-<layer>`. */
  readonly layer: string;
  readonly settings: EnvironmentConfig["release"];
  /** Rollbacks and failed deployments are reported here, as alarms are. */
  readonly opsTopicArn: string;
  readonly kmsKeyArn: string;
  readonly region: string;
  /** The stack's account, naming the rollback alarms' ARNs. */
  readonly accountId: string;
}

/** The CodeDeploy deployment configuration of a preset. */
export const deploymentConfigName = (preset: EnvironmentConfig["release"]["deploymentPreset"]) =>
  `CodeDeployDefault.Lambda${preset}`;

export class Releases extends Construct {
  private readonly app: CodedeployApp;
  private readonly role: IamRole;
  private readonly targets: Array<{ readonly fn: NodeFunction; readonly target: ReleaseTarget }> = [];
  private readonly aliasArns: string[] = [];
  private readonly functionArns: string[] = [];
  private readonly alarmArns: string[] = [];
  /** Released function → the `live` alias ARN of its pre-traffic hook. */
  private readonly hooks = new Map<NodeFunction, string>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ReleasesProps,
  ) {
    super(scope, id);
    const name = props.names.resource(props.layer);
    this.app = new CodedeployApp(this, "app", { name, computePlatform: "Lambda" });
    this.role = new IamRole(this, "role", {
      name: props.names.global(`${props.layer}-codedeploy`),
      assumeRolePolicy: assumeRolePolicy("codedeploy.amazonaws.com"),
    });
    // What CodeDeploy does for a Lambda deployment, on this stack's aliases only (the managed
    // AWSCodeDeployRoleForLambdaLimited grants it on every function of the account).
    new IamRolePolicy(this, "policy", {
      name: "release-functions",
      role: this.role.id,
      policy: Lazy.stringValue({
        produce: () =>
          policyDocument([
            // GetAlias and UpdateAlias authorize on the function ARN, provisioned concurrency on the alias's.
            {
              Sid: "ShiftLiveAliases",
              Effect: "Allow",
              Action: ["lambda:GetAlias", "lambda:UpdateAlias"],
              Resource: this.functionArns,
            },
            {
              Sid: "ReadAliasConcurrency",
              Effect: "Allow",
              Action: "lambda:GetProvisionedConcurrencyConfig",
              Resource: this.aliasArns,
            },
            // CodeDeploy invokes a hook with this role. The managed AWSCodeDeployRoleForLambda allows it only on
            // functions named CodeDeployHook_*; this role names each hook's alias instead.
            ...(this.hooks.size > 0
              ? [
                  {
                    Sid: "InvokePreTrafficHooks",
                    Effect: "Allow" as const,
                    Action: "lambda:InvokeFunction",
                    Resource: [...this.hooks.values()],
                  },
                ]
              : []),
            // DescribeAlarms takes the alarm ARN: this stack's rollback alarms only.
            {
              Sid: "ReadRollbackAlarms",
              Effect: "Allow",
              Action: "cloudwatch:DescribeAlarms",
              Resource: this.alarmArns,
            },
            { Sid: "ReportToOps", Effect: "Allow", Action: "sns:Publish", Resource: props.opsTopicArn },
            {
              Sid: "UseTopicKey",
              Effect: "Allow",
              Action: ["kms:GenerateDataKey", "kms:Decrypt"],
              Resource: props.kmsKeyArn,
            },
          ]),
      }),
    });
    new TerraformOutput(this, RELEASE_TARGETS_OUTPUT, {
      value: Lazy.anyValue({
        produce: () =>
          this.targets.map(({ fn, target }) =>
            this.hooks.has(fn) ? { ...target, beforeAllowTraffic: this.hooks.get(fn) } : target,
          ),
      }),
      description: "Functions CodeDeploy releases: npm run apply shifts each alias whose version changed",
    }).overrideLogicalId(RELEASE_TARGETS_OUTPUT);
  }

  /** Releases `fn` through CodeDeploy; any of `rollbackAlarms` in alarm during the shift rolls it back. */
  add(fn: NodeFunction, rollbackAlarms: readonly string[]): CodedeployDeploymentGroup {
    const group = new CodedeployDeploymentGroup(this, fn.node.id, {
      appName: this.app.name,
      deploymentGroupName: fn.functionName,
      serviceRoleArn: this.role.arn,
      deploymentConfigName: deploymentConfigName(this.props.settings.deploymentPreset),
      deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
      autoRollbackConfiguration: {
        enabled: true,
        events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
      },
      alarmConfiguration: { enabled: true, alarms: [...rollbackAlarms] },
      // A failed, stopped or rolled-back release reaches the ops topic like an alarm.
      triggerConfiguration: [
        {
          triggerName: "release-failed",
          triggerEvents: ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"],
          triggerTargetArn: this.props.opsTopicArn,
        },
      ],
    });
    this.aliasArns.push(fn.alias.arn);
    this.functionArns.push(fn.function.arn);
    const { region, accountId } = this.props;
    this.alarmArns.push(
      ...rollbackAlarms.map((name) => `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`),
    );
    this.targets.push({
      fn,
      target: {
        functionName: fn.functionName,
        alias: fn.alias.name,
        currentVersion: fn.alias.functionVersion,
        targetVersion: fn.function.version,
        application: this.app.name,
        deploymentGroup: group.deploymentGroupName,
        region: this.props.region,
      },
    });
    return group;
  }

  /**
   * Runs `hook` (through its `live` alias) at `BeforeAllowTraffic` of every release of `fn`, added before: its
   * Failed report fails the deployment before any traffic moves.
   */
  addPreTrafficHook(fn: NodeFunction, hook: NodeFunction): void {
    if (!this.targets.some((t) => t.fn === fn))
      throw new Error(`${fn.node.path}: add() the function before its pre-traffic hook`);
    this.hooks.set(fn, hook.arn);
  }
}
