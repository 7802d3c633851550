/**
 * Safe releases of a stack's functions, by the environment's preset (`release.deploymentPreset`), through the plain
 * `terraform apply` that publishes a new version (`cdktf deploy`, `npm run apply`):
 * - "AllAtOnce" without a pre-traffic hook: Terraform moves the `live` alias to the new version in the same apply
 *   (lib/node-function.ts); nothing here.
 * - a canary or linear preset, or a pre-traffic hook: one CodeDeploy application (compute platform Lambda) per stack
 *   and a deployment group per function, which shifts the alias by the preset and rolls it back when one of the
 *   function's alarms fires during the shift. Terraform publishes the version and leaves the alias alone; the
 *   function's release resource (`terraform_data`, replaced with each new version) runs the release program
 *   (pipeline/release-cli.ts, bundled into the stack's assets) with `node`: it starts the deployment, waits for it
 *   and fails the apply with CodeDeploy's reason when it rolls back (the resource is then tainted, so the next
 *   apply releases again). The same shape as terraform-aws-modules/lambda's `modules/deploy`, without the AWS CLI.
 */
import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AssetType, DataResource, Fn, Lazy, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import type { AccountConfig, EnvironmentConfig } from "../config/schema";
import {
  RELEASE_EXTERNAL_ID_VARIABLE,
  RELEASE_REQUEST_VARIABLE,
  RELEASE_ROLE_VARIABLE,
  RELEASE_SESSION_VARIABLE,
  type ReleaseRequest,
} from "../shared/release-targets";
import { bundleProgram } from "./bundle";
import { assumeRolePolicy, policyDocument } from "./iam";
import type { Names } from "./naming";
import type { NodeFunction } from "./node-function";

type ReleaseSettings = EnvironmentConfig["release"];
type Preset = ReleaseSettings["deploymentPreset"];

/**
 * Who moves a function's `live` alias to a new version: Terraform at once, or CodeDeploy by the preset. A
 * pre-traffic hook needs CodeDeploy even all at once (CodeDeploy runs it).
 */
export function releasedBy(settings: ReleaseSettings, hasPreTrafficHook = false): "terraform" | "codedeploy" {
  return settings.deploymentPreset === "AllAtOnce" && !hasPreTrafficHook ? "terraform" : "codedeploy";
}

/** Minutes a preset takes to shift all traffic (CodeDeploy's predefined Lambda configurations). */
export function presetMinutes(preset: Preset): number {
  const canary = /^Canary10Percent(\d+)Minutes$/.exec(preset);
  if (canary) return Number(canary[1]);
  const linear = /^Linear10PercentEvery(\d+)Minutes?$/.exec(preset);
  if (linear) return 9 * Number(linear[1]);
  return 0;
}

/** The release program's limit: the shift itself, the hook and CodeDeploy's own steps (stopped and rolled back past it). */
export const releaseTimeoutMinutes = (preset: Preset) => presetMinutes(preset) + 30;

export interface ReleasesProps {
  readonly names: Names;
  /** The stack's layer, naming the application: `<app>-<env>-<layer>`. */
  readonly layer: string;
  readonly settings: EnvironmentConfig["release"];
  /** Rollbacks and failed deployments are reported here, as alarms are. */
  readonly opsTopicArn: string;
  readonly kmsKeyArn: string;
  readonly region: string;
  /** The environment's account: the release program assumes the role its AWS providers assume. @default none */
  readonly account?: AccountConfig;
  /** The providers' session name when they assume the role: the stack name by default. */
  readonly sessionName: string;
  /** The stack's account, naming the rollback alarms' ARNs. */
  readonly accountId: string;
}

/** The CodeDeploy deployment configuration of a preset. */
export const deploymentConfigName = (preset: EnvironmentConfig["release"]["deploymentPreset"]) =>
  `CodeDeployDefault.Lambda${preset}`;

export class Releases extends Construct {
  private readonly app: CodedeployApp;
  private readonly role: IamRole;
  private readonly policy: IamRolePolicy;
  private program?: TerraformAsset;
  private readonly released = new Set<NodeFunction>();
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
    this.policy = new IamRolePolicy(this, "policy", {
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
  }

  /**
   * Releases `fn` through CodeDeploy at every apply that publishes a new version; any of `rollbackAlarms` in
   * alarm during the shift rolls it back.
   */
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
    if (fn.release !== "codedeploy")
      throw new Error(`${fn.node.path}: a function released through CodeDeploy needs release: "codedeploy"`);
    this.aliasArns.push(fn.alias.arn);
    this.functionArns.push(fn.function.arn);
    const { region, accountId } = this.props;
    this.alarmArns.push(
      ...rollbackAlarms.map((name) => `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`),
    );
    this.released.add(fn);
    this.program ??= new TerraformAsset(this, "program", {
      path: bundleProgram("pipeline/release-cli.ts", "release").file,
      type: AssetType.FILE,
    });
    const request = (): ReleaseRequest => ({
      functionName: fn.functionName,
      alias: fn.alias.name,
      targetVersion: fn.function.version,
      application: this.app.name,
      deploymentGroup: group.deploymentGroupName,
      region: this.props.region,
      timeoutMinutes: releaseTimeoutMinutes(this.props.settings.deploymentPreset),
      ...(this.hooks.has(fn) ? { beforeAllowTraffic: this.hooks.get(fn) } : {}),
    });
    new DataResource(this, `${fn.node.id}-release`, {
      // A new version replaces the resource, and its creation runs the release.
      triggersReplace: [fn.function.version],
      // The role may CodeDeploy the aliases only once its policy exists.
      dependsOn: [this.policy],
      provisioners: [
        {
          type: "local-exec",
          command: `node "${this.program.path}"`,
          environment: {
            [RELEASE_REQUEST_VARIABLE]: Lazy.stringValue({ produce: () => Fn.jsonencode(request()) }),
            // The role variable's default (lib/account-guard.ts), not the variable: Terraform hides the output of
            // a provisioner that reads an ephemeral value, and this output is the release's progress and reason.
            // The program takes TF_VAR_aws_role_arn first, as the variable does (pipeline/release-cli.ts).
            [RELEASE_ROLE_VARIABLE]: this.props.account?.deployRoleArn ?? "",
            [RELEASE_SESSION_VARIABLE]: this.props.account?.sessionName ?? this.props.sessionName,
            [RELEASE_EXTERNAL_ID_VARIABLE]: this.props.account?.externalId ?? "",
          },
        },
      ],
    });
    return group;
  }

  /**
   * Runs `hook` (through its `live` alias) at `BeforeAllowTraffic` of every release of `fn`, added before: its
   * Failed report fails the deployment before any traffic moves.
   */
  addPreTrafficHook(fn: NodeFunction, hook: NodeFunction): void {
    if (!this.released.has(fn))
      throw new Error(`${fn.node.path}: add() the function before its pre-traffic hook`);
    this.hooks.set(fn, hook.arn);
  }
}
