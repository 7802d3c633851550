/**
 * The release step of `npm run apply`: after a stack is applied, every function whose `live` alias still serves an
 * older version than the one the apply published (the stack's `release_targets` output) is released through
 * CodeDeploy — traffic shifted by the environment's preset, rolled back by CodeDeploy when a rollback alarm fires —
 * and the step waits for it, printing each change of state. A rollback, a failure or a deployment that outlasts
 * the limit (stopped, and so rolled back) fails the stack with the reason CodeDeploy gives.
 */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import {
  RELEASE_TARGETS_OUTPUT,
  lambdaAppSpec,
  parseReleaseTargets,
  type ReleaseTarget,
} from "../shared/release-targets";
import { runTerraform, type TerraformOptions } from "./terraform";

/** The CodeDeploy calls the step makes (the SDK client, or a stand-in in tests). */
export interface ReleaseApi {
  send(command: CreateDeploymentCommand | GetDeploymentCommand | StopDeploymentCommand): Promise<unknown>;
}

export interface ReleaseOptions {
  /** A CodeDeploy client per region. @default the SDK's, with `roleArn` assumed when given */
  readonly client?: (region: string) => ReleaseApi;
  /** The deploy role the providers assume: CodeDeploy is called with it too. @default the job's credentials */
  readonly roleArn?: string;
  /** Between two status reads. @default 10 s */
  readonly pollMs?: number;
  /** Longest a deployment may take before it is stopped (and rolled back). @default 60 min */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface ReleaseResult {
  readonly ok: boolean;
  /** One line per released function, or why nothing was. */
  readonly message: string;
}

const DONE = new Set(["Succeeded", "Failed", "Stopped"]);

function sdkClient(roleArn: string | undefined): (region: string) => ReleaseApi {
  return (region) =>
    new CodeDeployClient({
      region,
      credentials: roleArn
        ? fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: "release" } })
        : undefined,
    });
}

/** The stack's release targets, or none when it has no such output. */
async function readTargets(workingDirectory: string, terraform: TerraformOptions): Promise<ReleaseTarget[]> {
  const output = await runTerraform(["output", "-json", RELEASE_TARGETS_OUTPUT], workingDirectory, terraform);
  if (output.exitCode !== 0) {
    if (/Output .* not found|no outputs/i.test(output.stderr + output.stdout)) return [];
    throw new Error(`terraform output ${RELEASE_TARGETS_OUTPUT} failed:\n${output.stderr.trim()}`);
  }
  return parseReleaseTargets(JSON.parse(output.stdout));
}

const describe = (t: ReleaseTarget) => `${t.functionName} (version ${t.currentVersion} → ${t.targetVersion})`;

/** Why a deployment did not succeed, in CodeDeploy's words. */
function reason(info: DeploymentInfo): string {
  const parts = [
    info.errorInformation?.message,
    info.rollbackInfo?.rollbackMessage,
    info.rollbackInfo?.rollbackDeploymentId
      ? `rollback deployment ${info.rollbackInfo.rollbackDeploymentId}`
      : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join("; ") : "CodeDeploy gave no reason";
}

async function releaseOne(
  target: ReleaseTarget,
  api: ReleaseApi,
  options: ReleaseOptions,
): Promise<ReleaseResult> {
  const log = options.log ?? (() => undefined);
  const pollMs = options.pollMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  const created = (await api.send(
    new CreateDeploymentCommand({
      applicationName: target.application,
      deploymentGroupName: target.deploymentGroup,
      revision: { revisionType: "AppSpecContent", appSpecContent: { content: lambdaAppSpec(target) } },
      description: `npm run apply: ${describe(target)}`,
    }),
  )) as { deploymentId?: string };
  const id = created.deploymentId;
  if (!id) return { ok: false, message: `${describe(target)}: CodeDeploy returned no deployment id` };
  log(`  release ${describe(target)}: deployment ${id} created`);
  let last = "";
  for (;;) {
    const { deploymentInfo: info = {} } = (await api.send(
      new GetDeploymentCommand({ deploymentId: id }),
    )) as {
      deploymentInfo?: DeploymentInfo;
    };
    const status = info.status ?? "Unknown";
    const progress = info.deploymentStatusMessages?.join("; ");
    const line = `${status}${info.deploymentConfigName ? ` (${info.deploymentConfigName})` : ""}${progress ? `: ${progress}` : ""}`;
    if (line !== last) log(`  release ${target.functionName}: ${line}`);
    last = line;
    if (status === "Succeeded") return { ok: true, message: `released ${describe(target)} (${id})` };
    if (DONE.has(status)) {
      const rolledBack = info.rollbackInfo?.rollbackDeploymentId !== undefined || info.status === "Stopped";
      return {
        ok: false,
        message:
          `release of ${describe(target)} ${status.toLowerCase()}${rolledBack ? " and was rolled back" : ""} ` +
          `(${id}): ${reason(info)}`,
      };
    }
    if (Date.now() > deadline) {
      await api.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
      return {
        ok: false,
        message: `release of ${describe(target)} took longer than the limit and was stopped and rolled back (${id})`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Releases every function of the applied stack whose alias is behind, all at once; fails if any one fails. */
export async function releaseStack(
  workingDirectory: string,
  terraform: TerraformOptions,
  options: ReleaseOptions = {},
): Promise<ReleaseResult> {
  const targets = await readTargets(workingDirectory, terraform);
  const behind = targets.filter((t) => t.currentVersion !== t.targetVersion);
  if (behind.length === 0)
    return { ok: true, message: targets.length > 0 ? "every live alias is on its newest version" : "" };
  const client = options.client ?? sdkClient(options.roleArn);
  const results = await Promise.all(
    behind.map((target) =>
      releaseOne(target, client(target.region), options).catch((error: unknown) => ({
        ok: false,
        message: `release of ${describe(target)} could not start: ${(error as Error).message}`,
      })),
    ),
  );
  return { ok: results.every((r) => r.ok), message: results.map((r) => r.message).join("\n") };
}
