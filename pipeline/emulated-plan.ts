/**
 * `npm run plan:local`: a fresh environment planned whole, before anything exists, with real Terraform and the real
 * AWS provider against the AWS emulator, through the project's own `npm run plan` (provisional plans included).
 * Works on a copy of the synth output with empty state, never on `cdktf.out`; nothing is applied.
 */
import * as fs from "fs";
import * as path from "path";
import { writeEmulatorOverrides } from "./emulator-override";
import { readStacks, selectStacks } from "./manifest";
import { planStacks, type PlanRunResult } from "./plan-runner";
import { copyForProvider, describeRewrites } from "./provider-line";
import { providerInstallation } from "./provider-installation";
import type { TerraformOptions } from "./terraform";

export interface EmulatedPlanOptions {
  /** The synth output directory holding `manifest.json`. */
  readonly outdir: string;
  /** CLI configuration and plugin cache (shared with `npm run validate` and `npm run deploy:local`). */
  readonly workDir: string;
  /** Where the copy (`cdktf.out/`, emptied first) and its (empty) state live. */
  readonly planDir: string;
  /** Stack glob of the environment, e.g. `myblog-dev-*`. */
  readonly glob: string;
  /** The emulator's endpoint, e.g. `https://127.0.0.1:4566`. */
  readonly endpoint: string;
  /** Hard limit for each Terraform command. @default 15 minutes */
  readonly stackTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface EmulatedPlanResult {
  readonly plan: PlanRunResult;
  /** Stacks of the environment without a plan (failed, or still waiting): none when the plan is complete. */
  readonly unplanned: readonly string[];
  readonly seconds: number;
}

/** Copies the synth output for the provider at hand, points it at the emulator and forgets any earlier state. */
export function prepareEmulatorCopy(
  options: Pick<EmulatedPlanOptions, "outdir" | "workDir" | "endpoint" | "stackTimeoutMs" | "log">,
  targetDir: string,
): { outdir: string; terraform: TerraformOptions; rewrites: string[] } {
  const log = options.log ?? (() => undefined);
  const installation = providerInstallation(options.workDir);
  log(installation.description);
  const outdir = path.join(targetDir, "cdktf.out");
  fs.rmSync(outdir, { recursive: true, force: true });
  for (const state of fs.existsSync(targetDir) ? fs.readdirSync(targetDir) : [])
    if (state.includes(".tfstate")) fs.rmSync(path.join(targetDir, state));
  const rewrites = describeRewrites(copyForProvider(options.outdir, outdir, installation.mirrorVersions));
  for (const line of rewrites) log(line);
  writeEmulatorOverrides(outdir, options.endpoint);
  return {
    outdir,
    terraform: { env: installation.terraform.env, timeoutMs: options.stackTimeoutMs ?? 15 * 60_000 },
    rewrites,
  };
}

/** Plans every stack of one environment from nothing; `unplanned` lists the stacks that got no plan. */
export async function emulatedFreshPlan(options: EmulatedPlanOptions): Promise<EmulatedPlanResult> {
  const started = Date.now();
  fs.mkdirSync(options.planDir, { recursive: true });
  const { outdir, terraform } = prepareEmulatorCopy(options, options.planDir);
  const stacks = selectStacks(readStacks(outdir), [options.glob]);
  const plan = await planStacks({ outdir, globs: [options.glob], terraform, log: options.log });
  const planned = new Set(
    plan.summary.stacks.filter((s) => s.status === "changes" || s.status === "no-changes").map((s) => s.name),
  );
  return {
    plan,
    unplanned: stacks.map((s) => s.name).filter((name) => !planned.has(name)),
    seconds: (Date.now() - started) / 1000,
  };
}
