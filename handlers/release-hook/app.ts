/**
 * The pre-traffic hook of the API's CodeDeploy release (`release.preTrafficHook`): before any request reaches the
 * new version, CodeDeploy invokes this function with `{ DeploymentId, LifecycleEventHookExecutionId }`. It reads the
 * version under test from the deployment's AppSpec (the event names none), sends that exact version an HTTP API
 * event for `GET /api/health`, and reports Succeeded on a 200, Failed on anything else (a 503, a function error, an
 * invoke error, no answer by its deadline) with the reason logged. It reports exactly once per invocation, before
 * its own timeout: the smoke test gets the remaining time less `reserveMs`, then is abandoned.
 */
import {
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  type GetDeploymentCommandOutput,
} from "@aws-sdk/client-codedeploy";
import { InvokeCommand, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { API_ROUTES, routeKey } from "../../lib/api-routes";
import { DIRECT_INVOCATION_API_ID } from "../../shared/origin-verification";
import { parseLambdaAppSpec } from "../../shared/release-targets";

/** What the SDK clients' `send` takes here: the command, and a signal that abandons the request. */
type SendOptions = { readonly abortSignal?: AbortSignal };

export interface ReleaseHookDeps {
  readonly codedeploy: {
    send(
      command: GetDeploymentCommand | PutLifecycleEventHookExecutionStatusCommand,
      options?: SendOptions,
    ): Promise<unknown>;
  };
  readonly lambda: { send(command: InvokeCommand, options?: SendOptions): Promise<unknown> };
  /** The function whose release this hook guards (the API): a deployment of any other fails. */
  readonly targetFunction: string;
  readonly logger: Logger;
  /** Kept back from the invocation's remaining time to report in. @default 5000 ms */
  readonly reserveMs?: number;
}

export interface LifecycleEvent {
  readonly DeploymentId?: string;
  readonly LifecycleEventHookExecutionId?: string;
}

export type HookStatus = "Succeeded" | "Failed";
export type ReleaseHookHandler = (event: LifecycleEvent, context: Context) => Promise<{ status: HookStatus }>;

const HEALTH = API_ROUTES.find((route) => route.id === "health")!;

/** Why the smoke test failed: the reason CodeDeploy's deployment is failed for, as the hook logs it. */
class SmokeTestFailed extends Error {}

/**
 * `GET /api/health` as API Gateway's HTTP API (payload format 2.0) sends it to the function, marked as a direct
 * invocation (`requestContext.apiId`, which API Gateway always writes itself): the API's origin guard admits exactly
 * this request without CloudFront's origin-verification value, so the hook holds no secret.
 */
export function healthRequest(deploymentId: string): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: "2.0",
    routeKey: routeKey(HEALTH),
    rawPath: HEALTH.path,
    rawQueryString: "",
    headers: { "user-agent": "release-hook" },
    requestContext: {
      accountId: "release-hook",
      apiId: DIRECT_INVOCATION_API_ID,
      domainName: "release-hook",
      domainPrefix: "release-hook",
      requestId: `release-hook-${deploymentId}`,
      routeKey: routeKey(HEALTH),
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      http: {
        method: HEALTH.method,
        path: HEALTH.path,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "release-hook",
      },
    },
    isBase64Encoded: false,
  };
}

export function createReleaseHookHandler(deps: ReleaseHookDeps): ReleaseHookHandler {
  const { codedeploy, lambda, targetFunction, logger } = deps;
  const reserveMs = deps.reserveMs ?? 5000;

  /** The version of the target function the deployment shifts to. */
  async function versionUnderTest(deploymentId: string, abortSignal: AbortSignal): Promise<string> {
    const { deploymentInfo } = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }), {
      abortSignal,
    })) as GetDeploymentCommandOutput;
    const content = deploymentInfo?.revision?.appSpecContent?.content;
    if (!content) throw new SmokeTestFailed(`deployment ${deploymentId} has no AppSpec content`);
    const fn = parseLambdaAppSpec(content).find((f) => f.name === targetFunction);
    if (!fn?.targetVersion)
      throw new SmokeTestFailed(`deployment ${deploymentId} does not release ${targetFunction}`);
    return fn.targetVersion;
  }

  /** Resolves with what passed, throws with why not. */
  async function smokeTest(deploymentId: string, abortSignal: AbortSignal): Promise<string> {
    const version = await versionUnderTest(deploymentId, abortSignal);
    const subject = `${routeKey(HEALTH)} on ${targetFunction} version ${version}`;
    const result = (await lambda.send(
      new InvokeCommand({
        FunctionName: targetFunction,
        Qualifier: version,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(healthRequest(deploymentId))),
      }),
      { abortSignal },
    )) as InvokeCommandOutput;
    const payload = result.Payload ? new TextDecoder().decode(result.Payload) : "";
    if (result.FunctionError)
      throw new SmokeTestFailed(
        `${subject}: the function failed (${result.FunctionError}): ${payload.slice(0, 500)}`,
      );
    let response: APIGatewayProxyStructuredResultV2;
    try {
      response = JSON.parse(payload) as APIGatewayProxyStructuredResultV2;
    } catch {
      throw new SmokeTestFailed(`${subject}: the answer is not JSON: ${payload.slice(0, 200)}`);
    }
    const body = typeof response?.body === "string" ? response.body.slice(0, 500) : "";
    if (response?.statusCode !== 200)
      throw new SmokeTestFailed(`${subject} answered ${String(response?.statusCode)}: ${body}`);
    return `${subject} answered 200: ${body}`;
  }

  /** The smoke test, abandoned (its requests aborted) when it has not settled within `ms`. */
  async function withinDeadline(deploymentId: string, ms: number): Promise<string> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          controller.abort();
          reject(new SmokeTestFailed(`no verdict within the hook's deadline of ${ms} ms`));
        },
        Math.max(0, ms),
      );
    });
    try {
      return await Promise.race([smokeTest(deploymentId, controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return async (event, context) => {
    const deploymentId = event.DeploymentId;
    const lifecycleEventHookExecutionId = event.LifecycleEventHookExecutionId;
    if (!deploymentId || !lifecycleEventHookExecutionId) {
      // Nothing to report to: CodeDeploy always sends both, so this is not CodeDeploy calling.
      logger.error("Not a CodeDeploy lifecycle event; nothing reported", { event });
      throw new Error("expected { DeploymentId, LifecycleEventHookExecutionId }");
    }
    let status: HookStatus;
    try {
      const passed = await withinDeadline(deploymentId, context.getRemainingTimeInMillis() - reserveMs);
      logger.info("Pre-traffic smoke test passed", { deploymentId, result: passed });
      status = "Succeeded";
    } catch (error) {
      const reason =
        error instanceof SmokeTestFailed ? error.message : `smoke test error: ${(error as Error).message}`;
      logger.error("Pre-traffic smoke test failed: the deployment fails and rolls back", {
        deploymentId,
        reason,
      });
      status = "Failed";
    }
    // Within the reserve. A report that fails throws: the error is in the logs, and CodeDeploy fails a hook that
    // never reports when its wait for it runs out.
    await codedeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId,
        lifecycleEventHookExecutionId,
        status,
      }),
      { abortSignal: AbortSignal.timeout(Math.max(1000, reserveMs - 1000)) },
    );
    return { status };
  };
}
