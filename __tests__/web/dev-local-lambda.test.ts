/**
 * The dev server's local Lambda: real child processes running a bundle, with Lambda's behaviour on errors,
 * timeouts, crashes and concurrency, and nothing left running after stop().
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LambdaInitError, LocalLambda } from "../../dev/local-lambda";
import { ENTRY_FILE } from "../../lib/bundle";
import { isRunning } from "../../dev/harness";

jest.setTimeout(60_000);

const root = fs.mkdtempSync(path.join(os.tmpdir(), "local-lambda-"));
const lambdas: LocalLambda[] = [];

function bundle(name: string, code: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, ENTRY_FILE), code);
  return dir;
}

function lambda(
  name: string,
  code: string,
  options: Partial<ConstructorParameters<typeof LocalLambda>[0]> = {},
): LocalLambda {
  const fn = new LocalLambda({
    name,
    bundleDir: bundle(name, code),
    environment: { GREETING: "hello" },
    ...options,
  });
  lambdas.push(fn);
  return fn;
}

afterAll(async () => {
  await Promise.all(lambdas.map((fn) => fn.stop()));
  fs.rmSync(root, { recursive: true, force: true });
});

const ECHO = `export const handler = async (event, context) => ({
  event, greeting: process.env.GREETING, leaked: process.env.HOST_ONLY_SECRET ?? null,
  name: context.functionName, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis(),
});`;

test("runs the bundle's handler with the function's environment only and a Lambda-shaped context", async () => {
  process.env.HOST_ONLY_SECRET = "must-not-leak";
  const fn = lambda("echo", ECHO, { environment: Promise.resolve({ GREETING: "hello" }), timeoutMs: 5000 });
  await fn.start();
  const result = await fn.invoke({ n: 1 });
  delete process.env.HOST_ONLY_SECRET;
  expect(result).toMatchObject({
    ok: true,
    result: { event: { n: 1 }, greeting: "hello", leaked: null, name: "echo" },
  });
  const { requestId, remaining } = (result as { result: { requestId: string; remaining: number } }).result;
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(remaining).toBeGreaterThan(0);
  expect(remaining).toBeLessThanOrEqual(5000);
  expect(fn.initTimes).toHaveLength(1);
});

test("a thrown error is the invocation's error (type and message), and the environment stays warm", async () => {
  const fn = lambda(
    "fails",
    `export const handler = async (e) => { if (e.fail) { const x = new Error("boom"); x.name = "BoomError"; throw x; } return "fine"; };`,
  );
  await fn.start();
  const [pid] = fn.pids;
  expect(await fn.invoke({ fail: true })).toEqual({
    ok: false,
    error: { errorType: "BoomError", errorMessage: "boom" },
  });
  expect(await fn.invoke({})).toEqual({ ok: true, result: "fine" });
  expect(fn.pids).toEqual([pid]);
});

test("a timed-out or crashed environment is replaced by a fresh one", async () => {
  const fn = lambda(
    "slow",
    `export const handler = async (e) => { if (e.exit) process.exit(3); await new Promise((r) => setTimeout(r, e.ms)); return "done"; };`,
    { timeoutMs: 500 },
  );
  await fn.start();
  const [first] = fn.pids;
  expect(await fn.invoke({ ms: 5000 })).toEqual({
    ok: false,
    error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 0.5 seconds" },
  });
  expect(await fn.invoke({ ms: 1 })).toEqual({ ok: true, result: "done" });
  expect(fn.pids).not.toContain(first);
  expect(isRunning(first)).toBe(false);

  expect(await fn.invoke({ exit: true })).toMatchObject({
    ok: false,
    error: { errorType: "Runtime.ExitError" },
  });
  expect(await fn.invoke({ ms: 1 })).toEqual({ ok: true, result: "done" });
});

test("a bundle that fails to load is reported as an initialisation error", async () => {
  await expect(lambda("init-fails", `throw new Error("DB_HOST is not set");`).start()).rejects.toThrow(
    LambdaInitError,
  );
  await expect(lambda("init-fails-2", `throw new Error("DB_HOST is not set");`).start()).rejects.toThrow(
    /failed to initialise: Error: DB_HOST is not set/,
  );
  await expect(lambda("no-handler", `export const other = 1;`).start()).rejects.toThrow(
    /does not export a "handler" function/,
  );
});

test("scales out to its concurrency when invocations queue up, and stop() leaves no process", async () => {
  const fn = lambda(
    "parallel",
    `export const handler = async () => { await new Promise((r) => setTimeout(r, 700)); return process.pid; };`,
    { concurrency: 2 },
  );
  await fn.start();
  expect(fn.pids).toHaveLength(1);
  const results = await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})]);
  const pids = new Set(results.map((r) => (r as { result: number }).result));
  expect(pids.size).toBe(2);
  expect(fn.pids).toHaveLength(2);
  const running = fn.pids;
  await fn.stop();
  expect(running.filter(isRunning)).toEqual([]);
  expect(await fn.invoke({})).toMatchObject({ ok: false, error: { errorType: "ServiceUnavailable" } });
});
