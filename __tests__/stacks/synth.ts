/**
 * Synthesizes the real app (every stack, real handler bundles) into a temporary directory and gives tests
 * the parsed Terraform JSON of each stack, so assertions read exactly what `cdktf synth` writes.
 */
import { App } from "cdktf";
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

/** Synthesizes with configuration overrides (the same shape as blog.config.json) and optional variables. */
export function synthApp(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-synth-"));
  const loaded = loadConfig({ root: PROJECT_ROOT, env, overrides });
  const app = new App({ outdir });
  defineApp(app, loaded);
  app.synth();
  const stackNames = fs.readdirSync(path.join(outdir, "stacks")).sort();
  return {
    outdir,
    stackNames,
    stack: (name) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")),
  };
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
