/**
 * The pre-traffic hook against fakes of CodeDeploy (GetDeployment, PutLifecycleEventHookExecutionStatus) and Lambda
 * (Invoke): it tests exactly the version the deployment's AppSpec shifts to, passes on a 200 from `GET /api/health`,
 * fails on a 503, a function error, an invoke error or its deadline, and reports exactly once in every case.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import {
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";
import type { InvokeCommand } from "@aws-sdk/client-lambda";
import type { Context } from "aws-lambda";
import { toApiRequest } from "../../../handlers/api/http";
import { createReleaseHookHandler, type ReleaseHookDeps } from "../../../handlers/release-hook/app";
import { loadReleaseHookConfig } from "../../../handlers/release-hook/config";
import { lambdaAppSpec, type ReleaseTarget } from "../../../shared/release-targets";

const API = "myblog-prod-api";
const EVENT = { DeploymentId: "d-TEST1", LifecycleEventHookExecutionId: "hook-exec-1" };
const TARGET: ReleaseTarget = {
  functionName: API,
  alias: "live",
  currentVersion: "41",
  targetVersion: "42",
  application: API,
  deploymentGroup: API,
  region: "eu-west-1",
  beforeAllowTraffic: "arn:aws:lambda:eu-west-1:111111111111:function:myblog-prod-api-release-hook:live",
};

type Answer = (command: InvokeCommand, signal?: AbortSignal) => Promise<unknown>;

const apiAnswer = (statusCode: number, body: unknown) => async () => ({
  StatusCode: 200,
  Payload: new TextEncoder().encode(JSON.stringify({ statusCode, body: JSON.stringify(body) })),
});

/** A hook wired to fakes: what it was asked, what it reported, what it logged. */
function hookWith(
  answer: Answer,
  options: { appSpec?: string; reportFails?: boolean; reserveMs?: number } = {},
) {
  const reports: Array<Record<string, unknown>> = [];
  const invokes: InvokeCommand[] = [];
  const signals: AbortSignal[] = [];
  const errors: Array<Record<string, unknown>> = [];
  const deps: ReleaseHookDeps = {
    codedeploy: {
      async send(command) {
        if (command instanceof GetDeploymentCommand) {
          expect(command.input).toEqual({ deploymentId: EVENT.DeploymentId });
          return {
            deploymentInfo: {
              revision: {
                revisionType: "AppSpecContent",
                appSpecContent: { content: options.appSpec ?? lambdaAppSpec(TARGET) },
              },
            },
          };
        }
        if (command instanceof PutLifecycleEventHookExecutionStatusCommand) {
          reports.push({ ...command.input });
          if (options.reportFails) throw new Error("CodeDeploy unreachable");
          return {};
        }
        throw new Error("unexpected command");
      },
    },
    lambda: {
      send(command, sendOptions) {
        invokes.push(command);
        if (sendOptions?.abortSignal) signals.push(sendOptions.abortSignal);
        return answer(command, sendOptions?.abortSignal);
      },
    },
    targetFunction: API,
    logger: {
      info: () => undefined,
      error: (_message: string, fields: Record<string, unknown>) => errors.push(fields),
    } as unknown as Logger,
    reserveMs: options.reserveMs,
  };
  const handler = createReleaseHookHandler(deps);
  const context = (remainingMs: number) =>
    ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;
  return { handler, context, reports, invokes, signals, errors };
}

const reported = (status: string) => [{ ...ids(), status }];
const ids = () => ({
  deploymentId: EVENT.DeploymentId,
  lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
});

test("a 200 from GET /api/health on the new version: Succeeded, once", async () => {
  const hook = hookWith(apiAnswer(200, { status: "ok", checks: { database: "up", cache: "up" } }));
  await expect(hook.handler(EVENT, hook.context(30_000))).resolves.toEqual({ status: "Succeeded" });
  expect(hook.reports).toEqual(reported("Succeeded"));
  // Exactly the version the AppSpec shifts to, synchronously, with the event API Gateway would send.
  expect(hook.invokes).toHaveLength(1);
  const input = hook.invokes[0].input;
  expect(input).toMatchObject({ FunctionName: API, Qualifier: "42", InvocationType: "RequestResponse" });
  const event = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as Record<string, unknown>;
  expect(event).toMatchObject({ version: "2.0", routeKey: "GET /api/health", rawPath: "/api/health" });
  // The API reads it as the health route's request.
  expect(toApiRequest(event, "fallback")).toMatchObject({ method: "GET", path: "/api/health", query: {} });
});

test("a 503 from the health route: Failed, once, with the answer in the log", async () => {
  const hook = hookWith(apiAnswer(503, { error: { code: "database_unavailable" } }));
  await expect(hook.handler(EVENT, hook.context(30_000))).resolves.toEqual({ status: "Failed" });
  expect(hook.reports).toEqual(reported("Failed"));
  expect(hook.errors).toEqual([
    {
      deploymentId: "d-TEST1",
      reason: expect.stringContaining(`GET /api/health on ${API} version 42 answered 503: `),
    },
  ]);
  expect(String(hook.errors[0].reason)).toContain("database_unavailable");
});

test("the new version throws (a function error): Failed, once", async () => {
  const hook = hookWith(async () => ({
    StatusCode: 200,
    FunctionError: "Unhandled",
    Payload: new TextEncoder().encode(
      JSON.stringify({ errorType: "ConfigError", errorMessage: "DB_HOST is not set" }),
    ),
  }));
  await expect(hook.handler(EVENT, hook.context(30_000))).resolves.toEqual({ status: "Failed" });
  expect(hook.reports).toEqual(reported("Failed"));
  expect(String(hook.errors[0].reason)).toMatch(/the function failed \(Unhandled\): .*DB_HOST is not set/);
});

test("the invoke itself fails: Failed, once, with the error", async () => {
  const hook = hookWith(async () => {
    throw Object.assign(new Error("User is not authorized to perform: lambda:InvokeFunction"), {
      name: "AccessDeniedException",
    });
  });
  await expect(hook.handler(EVENT, hook.context(30_000))).resolves.toEqual({ status: "Failed" });
  expect(hook.reports).toEqual(reported("Failed"));
  expect(hook.errors[0].reason).toBe(
    "smoke test error: User is not authorized to perform: lambda:InvokeFunction",
  );
});

test("no answer before the deadline: the invoke is abandoned and Failed reported, once, before the timeout", async () => {
  const hook = hookWith(
    (_command, signal) =>
      new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    { reserveMs: 5000 },
  );
  const started = Date.now();
  // 5.2 s left, 5 s kept to report: the smoke test gets 200 ms.
  await expect(hook.handler(EVENT, hook.context(5200))).resolves.toEqual({ status: "Failed" });
  expect(Date.now() - started).toBeLessThan(2000);
  expect(hook.signals[0].aborted).toBe(true);
  expect(hook.reports).toEqual(reported("Failed"));
  expect(hook.errors[0].reason).toBe("no verdict within the hook's deadline of 200 ms");
});

test("a deployment of another function: Failed, once, without invoking anything", async () => {
  const hook = hookWith(apiAnswer(200, {}), { appSpec: lambdaAppSpec({ ...TARGET, functionName: "other" }) });
  await expect(hook.handler(EVENT, hook.context(30_000))).resolves.toEqual({ status: "Failed" });
  expect(hook.invokes).toEqual([]);
  expect(hook.reports).toEqual(reported("Failed"));
  expect(hook.errors[0].reason).toBe(`deployment d-TEST1 does not release ${API}`);
});

test("an AppSpec that is not JSON: Failed, once", async () => {
  const hook = hookWith(apiAnswer(200, {}), { appSpec: "version: 0.0" });
  await expect(hook.handler(EVENT, hook.context(30_000))).resolves.toEqual({ status: "Failed" });
  expect(hook.reports).toEqual(reported("Failed"));
  expect(hook.errors[0].reason).toBe("smoke test error: the AppSpec is not JSON");
});

test("a report CodeDeploy does not take fails the invocation (after the one attempt)", async () => {
  const hook = hookWith(apiAnswer(200, { status: "ok" }), { reportFails: true });
  await expect(hook.handler(EVENT, hook.context(30_000))).rejects.toThrow("CodeDeploy unreachable");
  expect(hook.reports).toEqual(reported("Succeeded"));
});

test("an event that is not CodeDeploy's is refused: there is nothing to report to", async () => {
  const hook = hookWith(apiAnswer(200, {}));
  await expect(hook.handler({}, hook.context(30_000))).rejects.toThrow(
    "expected { DeploymentId, LifecycleEventHookExecutionId }",
  );
  expect(hook.reports).toEqual([]);
  expect(hook.invokes).toEqual([]);
});

test("the environment names the function under test", () => {
  expect(loadReleaseHookConfig({ TARGET_FUNCTION_NAME: API }).TARGET_FUNCTION_NAME).toBe(API);
  expect(() => loadReleaseHookConfig({})).toThrow(
    "The release-hook function's environment is invalid: TARGET_FUNCTION_NAME is not set",
  );
});
