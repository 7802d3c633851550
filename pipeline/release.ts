/**
 * Releases one function through CodeDeploy, as the apply that published its new version runs it (the stack's
 * release resource, lib/release.ts, through pipeline/release-cli.ts): when the `live` alias serves an older version,
 * start a deployment from that version to the new one — traffic shifted by the environment's preset, rolled back by
 * CodeDeploy when a rollback alarm fires or the pre-traffic hook fails — and wait for it, printing each change of
 * state. A rollback, a failure or a deployment that outlasts the limit (stopped, and so rolled back) fails the
 * release, and with it the apply, with the reason CodeDeploy gives.
 */
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import { GetAliasCommand } from "@aws-sdk/client-lambda";
import { lambdaAppSpec, type ReleaseRequest, type ReleaseTarget } from "../shared/release-targets";

/** The CodeDeploy calls a release makes (the SDK client, or a stand-in in tests). */
export interface CodeDeployApi {
  send(command: CreateDeploymentCommand | GetDeploymentCommand | StopDeploymentCommand): Promise<unknown>;
}

/** The one Lambda call: which version the alias serves now. */
export interface LambdaApi {
  send(command: GetAliasCommand): Promise<{ FunctionVersion?: string }>;
}

export interface ReleaseClients {
  readonly codedeploy: CodeDeployApi;
  readonly lambda: LambdaApi;
}

export interface ReleaseOptions {
  /** Between two status reads. @default 10 s */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

export interface ReleaseResult {
  readonly ok: boolean;
  /** What happened, in one line: released, already live, or why it failed. */
  readonly message: string;
}

const DONE = new Set(["Succeeded", "Failed", "Stopped"]);

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

/** Releases `request`'s new version unless the alias serves it already; waits for the deployment's outcome. */
export async function releaseFunction(
  request: ReleaseRequest,
  clients: ReleaseClients,
  options: ReleaseOptions = {},
): Promise<ReleaseResult> {
  const log = options.log ?? (() => undefined);
  const pollMs = options.pollMs ?? 10_000;
  const alias = await clients.lambda.send(
    new GetAliasCommand({ FunctionName: request.functionName, Name: request.alias }),
  );
  const currentVersion = alias.FunctionVersion;
  if (!currentVersion)
    return { ok: false, message: `${request.functionName}:${request.alias} has no version to release from` };
  if (currentVersion === request.targetVersion)
    return {
      ok: true,
      message: `${request.functionName}: the ${request.alias} alias serves version ${currentVersion}`,
    };
  const { timeoutMinutes, ...rest } = request;
  const target: ReleaseTarget = { ...rest, currentVersion };
  const deadline = Date.now() + timeoutMinutes * 60_000;
  const created = (await clients.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: target.application,
      deploymentGroupName: target.deploymentGroup,
      revision: { revisionType: "AppSpecContent", appSpecContent: { content: lambdaAppSpec(target) } },
      description: `release ${describe(target)}`,
    }),
  )) as { deploymentId?: string };
  const id = created.deploymentId;
  if (!id) return { ok: false, message: `${describe(target)}: CodeDeploy returned no deployment id` };
  log(`release ${describe(target)}: deployment ${id} created`);
  let last = "";
  for (;;) {
    const { deploymentInfo: info = {} } = (await clients.codedeploy.send(
      new GetDeploymentCommand({ deploymentId: id }),
    )) as { deploymentInfo?: DeploymentInfo };
    const status = info.status ?? "Unknown";
    const progress = info.deploymentStatusMessages?.join("; ");
    const line = `${status}${info.deploymentConfigName ? ` (${info.deploymentConfigName})` : ""}${progress ? `: ${progress}` : ""}`;
    if (line !== last) log(`release ${target.functionName}: ${line}`);
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
      await clients.codedeploy.send(
        new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }),
      );
      return {
        ok: false,
        message:
          `release of ${describe(target)} took longer than ${timeoutMinutes} minutes and was stopped and ` +
          `rolled back (${id})`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
