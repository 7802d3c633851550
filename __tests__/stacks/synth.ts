/**
 * Synthesizes the real app (every stack, real handler bundles) into a temporary directory and gives tests
 * the parsed Terraform JSON of each stack, so assertions read exactly what `cdktf synth` writes.
 */
import { App } from "cdktf";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { PROJECT_ROOT } from "../../lib/paths";
import { defineApp } from "../../stacks/app";

export type TerraformJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
  terraform?: Record<string, unknown>;
  locals?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
};

export interface Synthesized {
  readonly outdir: string;
  stack(name: string): TerraformJson;
  readonly stackNames: string[];
}

/**
 * Synthesizes with configuration overrides (the same shape as blog.config.json) and optional variables. Under Jest
 * one synthesis per configuration serves the whole run (scripts/jest-synth-cache.js): the first caller synthesizes,
 * the others, in any file or worker, read its output. The output directory is shared: read it, never change it.
 */
export function synthApp(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Synthesized {
  const cacheRoot = process.env.STACK_TESTS_SYNTH_CACHE;
  const outdir = cacheRoot
    ? cachedSynth(cacheRoot, overrides, env)
    : synthInto(fs.mkdtempSync(path.join(os.tmpdir(), "blog-synth-")), overrides, env);
  const stackNames = fs.readdirSync(path.join(outdir, "stacks")).sort();
  return {
    outdir,
    stackNames,
    stack: (name) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")),
  };
}

function synthInto(outdir: string, overrides: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const loaded = loadConfig({ root: PROJECT_ROOT, env, overrides });
  const app = new App({ outdir });
  defineApp(app, loaded);
  app.synth();
  return outdir;
}

const WAIT_MS = 120_000;

/** `<root>/<hash of the configuration>/out`: creating the directory claims it, `done` or `failed` ends it. */
function cachedSynth(root: string, overrides: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const key = createHash("sha256").update(JSON.stringify({ overrides, env })).digest("hex").slice(0, 16);
  const dir = path.join(root, key);
  const out = path.join(dir, "out");
  const done = path.join(dir, "done");
  const failed = path.join(dir, "failed");
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another file or worker synthesizes this configuration: wait for it.
    const deadline = Date.now() + WAIT_MS;
    while (!fs.existsSync(done)) {
      if (fs.existsSync(failed)) throw new Error(fs.readFileSync(failed, "utf8"));
      if (Date.now() > deadline) throw new Error(`synthesis ${key} not done after ${WAIT_MS / 1000} s`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    return out;
  }
  try {
    synthInto(out, overrides, env);
  } catch (error) {
    fs.writeFileSync(failed, String((error as Error).stack ?? error));
    throw error;
  }
  fs.writeFileSync(done, "");
  return out;
}

/** All resources of one type in a stack, by name. */
export function resources(stack: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return stack.resource?.[type] ?? {};
}

export function only(stack: TerraformJson, type: string): Record<string, unknown> {
  const all = Object.values(resources(stack, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** Parses an IAM policy JSON string as synthesized (references stay `${...}` strings). */
export function policy(json: unknown): { Statement: Array<Record<string, unknown>> } {
  return JSON.parse(String(json));
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * How a downstream stack reads `value` of `stackName` (e.g. `${aws_kms_key.key.arn}`): the remote-state read of the
 * cross-stack output that holds it, found in that stack, so a renamed output fails here first.
 */
export function remoteReference(app: Synthesized, stackName: string, value: string): string {
  const outputs = (app.stack(stackName).output ?? {}) as Record<string, { value?: unknown }>;
  const names = Object.keys(outputs).filter(
    (name) => name.startsWith("cross-stack-output-") && outputs[name].value === value,
  );
  if (names.length !== 1)
    throw new Error(`${stackName}: expected one cross-stack output of ${value}, found ${names}`);
  return `\${data.terraform_remote_state.cross-stack-reference-input-${stackName}.outputs.${names[0]}}`;
}

/** How the downstream stacks of environment `env` name the network layer's key. */
export const networkKeyReference = (app: Synthesized, env: string): string =>
  remoteReference(app, `myblog-${env}-network`, "${aws_kms_key.key.arn}");
