/**
 * A local Lambda function: a small pool of worker processes (one invocation at a time each, like Lambda's
 * execution environments) that run the real handler bundle. Timeouts and crashes replace the worker, as Lambda
 * replaces a broken environment.
 */
import { fork, type ChildProcess } from "child_process";
import { randomUUID } from "crypto";
import * as path from "path";
import { createInterface } from "readline";
import { writeAtomically } from "../lib/bundle";
import { PROJECT_ROOT } from "../lib/paths";
import { buildSync } from "esbuild";
import { ENTRY_FILE } from "../lib/bundle";
import type { InvokeMessage, LambdaErrorPayload, LoadMessage, WorkerMessage } from "./lambda-worker";

export interface LocalLambdaOptions {
  /** Function name as it appears in logs and in the context, e.g. "api". */
  readonly name: string;
  /**
   * Directory holding the bundle's `index.js` (from `bundleHandler(name).bundleDir`). May still be on its way:
   * the environments start meanwhile and load it when it is there.
   */
  readonly bundleDir: string | Promise<string>;
  /** The function's environment variables (Lambda passes nothing else from the host); may still be on its way. */
  readonly environment: Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /**
   * Invocation timeout.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * Most execution environments (concurrent invocations); one starts at once, more when requests queue up.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * @default 1024
   */
  readonly memoryMb?: number;
  /** Receives each line the function writes (its structured logs). @default: discarded */
  readonly onLog?: (line: string) => void;
}

export type InvokeResult =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: LambdaErrorPayload };

export class LambdaInitError extends Error {
  override readonly name = "LambdaInitError";
}

interface Worker {
  readonly child: ChildProcess;
  busy: boolean;
  /** Set once the bundle loaded: only such environments are replaced when they die. */
  ready: boolean;
}

let compiledWorker: string | undefined;

/** The worker as plain JavaScript: a worker then starts in plain `node`, without a TypeScript loader. */
function workerScript(): string {
  if (compiledWorker) return compiledWorker;
  const outfile = path.join(PROJECT_ROOT, ".build", "dev", "lambda-worker.js");
  const { outputFiles } = buildSync({
    entryPoints: [path.join(PROJECT_ROOT, "dev", "lambda-worker.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    logLevel: "silent",
  });
  writeAtomically(outfile, outputFiles[0].contents);
  compiledWorker = outfile;
  return outfile;
}

/** Host variables a Node.js process needs to run; nothing else leaks into the functions (no AWS profile, no secrets). */
const HOST_ENV = ["PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT"];

export class LocalLambda {
  private readonly workers = new Set<Worker>();
  private readonly queue: Array<{ event: unknown; resolve: (result: InvokeResult) => void }> = [];
  private stopping = false;
  /** Cold-start times of the environments started so far, in milliseconds. */
  readonly initTimes: number[] = [];

  constructor(private readonly options: LocalLambdaOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** The configured invocation timeout, in milliseconds. */
  get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  /** Process ids of the running environments (for tests that check nothing is left behind). */
  get pids(): number[] {
    return [...this.workers].map((w) => w.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Starts the first environment and waits for the bundle to load (the first cold start happens here). */
  async start(): Promise<void> {
    await this.spawnWorker();
  }

  private spawnWorker(): Promise<Worker> {
    const { name } = this.options;
    const hostEnv = Object.fromEntries(
      HOST_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]),
    );
    const child = fork(workerScript(), [], {
      cwd: PROJECT_ROOT,
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: {
        ...hostEnv,
        TZ: "UTC",
        NODE_ENV: "production",
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.options.memoryMb ?? 1024),
        // The SDK warns about the host's Node 20 at every cold start; Lambda runs Node 22.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    const onLog = this.options.onLog;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      const lines = createInterface({ input: stream });
      lines.on("line", (line) => onLog?.(line));
    }
    const worker: Worker = { child, busy: true, ready: false };
    this.workers.add(worker);
    child.once("exit", () => {
      this.workers.delete(worker);
      // Like Lambda: a crashed or timed-out environment is thrown away and a fresh one takes its place.
      if (worker.ready && !this.stopping)
        this.spawnWorker().catch((error: unknown) => this.options.onLog?.(String(error)));
    });
    return new Promise((resolve, reject) => {
      const onMessage = (message: WorkerMessage): void => {
        if (message.type === "ready") {
          child.off("message", onMessage);
          this.initTimes.push(message.initMs);
          worker.ready = true;
          worker.busy = false;
          resolve(worker);
          this.drain();
        } else if (message.type === "init-error") {
          child.off("message", onMessage);
          reject(
            new LambdaInitError(
              `The ${name} function failed to initialise: ${message.error.errorType}: ${message.error.errorMessage}`,
            ),
          );
        }
      };
      child.on("message", onMessage);
      child.once("exit", (code, signal) => {
        child.off("message", onMessage);
        reject(
          new LambdaInitError(
            `The ${name} function's environment exited during initialisation (${signal ?? `code ${code}`})`,
          ),
        );
      });
      Promise.all([this.options.bundleDir, this.options.environment]).then(
        ([bundleDir, environment]) => {
          const load: LoadMessage = {
            type: "load",
            bundlePath: path.join(bundleDir, ENTRY_FILE),
            environment,
          };
          if (child.connected) child.send(load);
        },
        (error: unknown) => {
          child.kill("SIGKILL");
          reject(error);
        },
      );
    });
  }

  invoke(event: unknown): Promise<InvokeResult> {
    if (this.stopping)
      return Promise.resolve({
        ok: false,
        error: { errorType: "ServiceUnavailable", errorMessage: `${this.name} is stopping` },
      });
    return new Promise((resolve) => {
      this.queue.push({ event, resolve });
      this.drain();
    });
  }

  private drain(): void {
    for (const worker of this.workers) {
      if (worker.busy || this.queue.length === 0) continue;
      const next = this.queue.shift();
      if (next) this.run(worker, next.event).then(next.resolve);
    }
    // Scale out like Lambda: a new environment when requests wait and the concurrency allows it.
    if (this.queue.length > 0 && !this.stopping && this.workers.size < (this.options.concurrency ?? 1)) {
      this.spawnWorker().catch((error: unknown) => this.options.onLog?.(String(error)));
    }
  }

  private run(worker: Worker, event: unknown): Promise<InvokeResult> {
    worker.busy = true;
    const timeoutMs = this.timeoutMs;
    const message: InvokeMessage = {
      type: "invoke",
      id: randomUUID(),
      event,
      deadline: Date.now() + timeoutMs,
    };
    const { child } = worker;
    return new Promise<InvokeResult>((resolve) => {
      const finish = (result: InvokeResult, healthy: boolean): void => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (healthy) worker.busy = false;
        else child.kill("SIGKILL"); // replaced by the exit handler of spawnWorker
        resolve(result);
        this.drain();
      };
      const onMessage = (reply: WorkerMessage): void => {
        if (reply.type !== "result" || reply.id !== message.id) return;
        finish(reply.ok ? { ok: true, result: reply.result } : { ok: false, error: reply.error }, true);
      };
      const onExit = (code: number | null, signal: string | null): void =>
        finish(
          {
            ok: false,
            error: {
              errorType: "Runtime.ExitError",
              errorMessage: `Runtime exited (${signal ?? `code ${code}`})`,
            },
          },
          false,
        );
      const timer = setTimeout(
        () =>
          finish(
            {
              ok: false,
              error: {
                errorType: "Sandbox.Timedout",
                errorMessage: `Task timed out after ${timeoutMs / 1000} seconds`,
              },
            },
            false,
          ),
        timeoutMs,
      );
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send(message);
    });
  }

  /** Stops every environment and waits until each process has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const waiting of this.queue.splice(0)) {
      waiting.resolve({
        ok: false,
        error: { errorType: "ServiceUnavailable", errorMessage: `${this.name} stopped` },
      });
    }
    await Promise.all(
      [...this.workers].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill("SIGKILL"), 2000);
            child.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
    this.workers.clear();
  }
}
