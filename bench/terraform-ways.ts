/**
 * What the Terraform benchmarks share: timing (wall and CPU), `npx cdktf synth`, and planning an applied
 * environment the way `cdktf diff` does — one stack after another, each with its own synth, init and plan.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import type { AppliedEnvironment } from "../pipeline/emulated-deploy";
import { GO_RUNTIME_ENV, runTerraform, type TerraformOptions } from "../pipeline/terraform";

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const since = (t: number) => (Date.now() - t) / 1000;

/**
 * CPU seconds of this process and of every process it has waited for (Terraform, the providers Terraform
 * waited for, the synths), from /proc/self/stat; unlike wall time, neighbours on the machine do not move it.
 */
export function cpuSeconds(): number {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  // utime, stime, cutime, cstime: fields 14-17 of proc(5), counted from the state field (3) here.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

/** `npx cdktf synth` into a scratch directory, as `cdktf diff` runs it before every plan. */
export function synth(): number {
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tf-synth-"));
  const run = spawnSync("npx", ["cdktf", "synth", "--output", scratch], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  fs.rmSync(scratch, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`synth failed: ${run.stderr}`);
  return since(started);
}

/**
 * cdktf runs Terraform with the caller's environment: Go's own runtime defaults, not the pipeline's tuning
 * (an empty GOGC is Go's default, 100).
 */
export const asCdktfRunsIt = (terraform: TerraformOptions): TerraformOptions => ({
  ...terraform,
  env: {
    ...terraform.env,
    ...Object.fromEntries(Object.keys(GO_RUNTIME_ENV).map((k) => [k, process.env[k] ?? ""])),
  },
});

/** `cdktf diff <stack>` for each stack in turn: synth, init, plan. */
export async function planLikeCdktfDiff(env: AppliedEnvironment): Promise<number> {
  const started = Date.now();
  const terraform = asCdktfRunsIt(env.terraform);
  for (const stack of env.stacks) {
    synth();
    const init = await runTerraform(["init", "-input=false", "-no-color"], stack.workingDirectory, terraform);
    const plan = await runTerraform(
      ["plan", "-input=false", "-no-color", "-lock-timeout=300s"],
      stack.workingDirectory,
      terraform,
    );
    if (init.exitCode !== 0 || plan.exitCode !== 0)
      throw new Error(`${stack.name}: ${plan.stderr || init.stderr}`);
  }
  return since(started);
}
