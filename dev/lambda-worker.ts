/**
 * One local Lambda "execution environment": a child process of the dev server that loads a handler bundle
 * (`.build/handlers/<name>/index.mjs`, the exact code that ships) and runs one invocation at a time, with a
 * Lambda-shaped context. Environment variables come only from the parent, as Lambda gives a clean environment.
 *
 * The process starts before the bundle exists (the dev server forks it while bundling, to overlap the work).
 * Protocol over the IPC channel: parent → `{ type: "load", bundlePath }`, then `{ type: "invoke", id, event,
 * deadline }`; worker → `{ type: "ready" }` once loaded, `{ type: "init-error", error }` if loading throws, and
 * `{ type: "result", id, ok, result | error }`.
 */
import { randomUUID } from "crypto";
import { pathToFileURL } from "url";

export interface LoadMessage {
  readonly type: "load";
  readonly bundlePath: string;
  /** The function's environment variables, set before the bundle loads (its code reads them at cold start). */
  readonly environment: Readonly<Record<string, string>>;
}

export interface InvokeMessage {
  readonly type: "invoke";
  readonly id: string;
  readonly event: unknown;
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadline: number;
}

export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
}

export type WorkerMessage =
  | { readonly type: "ready"; readonly initMs: number }
  | { readonly type: "init-error"; readonly error: LambdaErrorPayload }
  | { readonly type: "result"; readonly id: string; readonly ok: true; readonly result: unknown }
  | { readonly type: "result"; readonly id: string; readonly ok: false; readonly error: LambdaErrorPayload };

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

export function toErrorPayload(error: unknown): LambdaErrorPayload {
  if (error instanceof Error) return { errorType: error.name || "Error", errorMessage: error.message };
  return { errorType: "Error", errorMessage: String(error) };
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function load(bundlePath: string): Promise<Handler | undefined> {
  const started = performance.now();
  try {
    // The bundle is an ES module (`index.mjs`), as in Lambda.
    const loaded = (await import(pathToFileURL(bundlePath).href)) as { handler?: unknown };
    if (typeof loaded.handler !== "function")
      throw new TypeError(`${bundlePath} does not export a "handler" function`);
    send({ type: "ready", initMs: Math.round(performance.now() - started) });
    return loaded.handler as Handler;
  } catch (error) {
    console.error(error);
    send({ type: "init-error", error: toErrorPayload(error) });
    process.exitCode = 1;
    process.disconnect?.();
    return undefined;
  }
}

function invoke(handler: Handler, message: InvokeMessage): void {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local";
  const region = process.env.AWS_REGION ?? "us-east-1";
  const requestId = randomUUID();
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  Promise.resolve()
    .then(() => handler(message.event, context))
    .then(
      (result) => send({ type: "result", id: message.id, ok: true, result: result ?? null }),
      (error: unknown) => {
        // Lambda logs the error of a failed invocation; the caller only sees type and message.
        console.error(error);
        send({ type: "result", id: message.id, ok: false, error: toErrorPayload(error) });
      },
    );
}

function main(): void {
  // The parent going away (even abruptly) must not leave this process behind.
  process.on("disconnect", () => process.exit(0));
  // Ctrl-C reaches the whole process group: the dev server decides when its functions stop (SIGTERM).
  process.on("SIGINT", () => undefined);
  let handler: Promise<Handler | undefined> = Promise.resolve(undefined);
  process.on("message", (message: LoadMessage | InvokeMessage) => {
    if (message.type === "load") {
      Object.assign(process.env, message.environment);
      handler = load(message.bundlePath);
    } else {
      // Invocations wait for the load (the parent only sends them after "ready"; this keeps the order anyway).
      void handler.then((loaded) => loaded && invoke(loaded, message));
    }
  });
}

if (require.main === module) main();
