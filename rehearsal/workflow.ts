/**
 * A GitHub Actions workflow file as the rehearsal reads it: jobs in the order `needs` allows (file order among
 * equals), their steps, and the few keys the rehearsal acts on. Keys it cannot honour are refused by name.
 */
import * as fs from "fs";
import { parse } from "yaml";

export interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string | boolean;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly shell?: string;
  readonly "working-directory"?: string;
  readonly "continue-on-error"?: boolean;
}

export interface Job {
  readonly id: string;
  readonly name?: string;
  readonly needs: readonly string[];
  readonly if?: string | boolean;
  readonly "runs-on": string;
  /** The job's container image, when it runs in one (`container: node:24-bookworm`). */
  readonly container?: string;
  readonly environment?: string;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly strategy?: {
    readonly matrix?: Readonly<Record<string, unknown>>;
    readonly "fail-fast"?: boolean;
    readonly "max-parallel"?: number;
  };
  readonly env?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

export interface Workflow {
  readonly file: string;
  readonly name: string;
  readonly env: Readonly<Record<string, unknown>>;
  readonly permissions?: Readonly<Record<string, string>>;
  /** Jobs in an order where every job comes after the jobs it needs. */
  readonly jobs: readonly Job[];
}

const STEP_KEYS = new Set([
  "id",
  "name",
  "if",
  "uses",
  "run",
  "with",
  "env",
  "shell",
  "working-directory",
  "continue-on-error",
]);
const JOB_KEYS = new Set([
  "name",
  "needs",
  "if",
  "runs-on",
  "container",
  "environment",
  "permissions",
  "strategy",
  "env",
  "outputs",
  "steps",
  "concurrency",
  "timeout-minutes",
]);

function refuseUnknown(keys: Iterable<string>, known: Set<string>, where: string): void {
  for (const key of keys)
    if (!known.has(key)) throw new Error(`${where}: the rehearsal does not know "${key}"`);
}

/** Jobs ordered so that every job follows those it needs. */
function ordered(jobs: Job[]): Job[] {
  const done = new Set<string>();
  const result: Job[] = [];
  while (result.length < jobs.length) {
    const next = jobs.find((job) => !done.has(job.id) && job.needs.every((need) => done.has(need)));
    if (!next) throw new Error(`jobs with unknown or circular needs: ${jobs.map((j) => j.id).join(", ")}`);
    done.add(next.id);
    result.push(next);
  }
  return result;
}

export function parseWorkflow(file: string, text: string): Workflow {
  const doc = parse(text) as Record<string, unknown>;
  const jobs = Object.entries(doc.jobs as Record<string, Record<string, unknown>>).map(([id, raw]) => {
    refuseUnknown(Object.keys(raw), JOB_KEYS, `${file} job ${id}`);
    const steps = (raw.steps as Record<string, unknown>[]).map((step, index) => {
      refuseUnknown(Object.keys(step), STEP_KEYS, `${file} job ${id} step ${index + 1}`);
      if (step.shell !== undefined || step["working-directory"] !== undefined)
        throw new Error(`${file} job ${id} step ${index + 1}: shell/working-directory are not rehearsed yet`);
      return step as unknown as Step;
    });
    const container = raw.container;
    if (container !== undefined && typeof container !== "string")
      throw new Error(`${file} job ${id}: only \`container: <image>\` is rehearsed`);
    const needs = raw.needs === undefined ? [] : ([] as string[]).concat(raw.needs as string | string[]);
    return { ...raw, id, needs, container, steps } as unknown as Job;
  });
  return {
    file,
    name: String(doc.name ?? file),
    env: (doc.env as Record<string, unknown>) ?? {},
    permissions: doc.permissions as Record<string, string> | undefined,
    jobs: ordered(jobs),
  };
}

export function readWorkflow(file: string): Workflow {
  return parseWorkflow(file, fs.readFileSync(file, "utf8"));
}

/** A step's label for logs: its name, else what it uses, else its first line. */
export function stepLabel(step: Step): string {
  return step.name ?? step.uses?.replace(/@.*/, "") ?? step.run?.split("\n")[0] ?? "step";
}
