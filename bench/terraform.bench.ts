/**
 * Terraform with the real AWS provider (issue 10): `terraform validate` of all stacks, the emulated deploy of
 * `dev` against moto (plan, apply, re-plan, destroy), and, on the applied environment, planning `dev` the way
 * `cdktf diff` does — one stack after another, each with its own synth, `terraform init` and `terraform plan` —
 * against the project's `npm run plan` — one synth, every stack planned at once, one provider cache. Both plan
 * ways run side by side, alternating, on the same applied state; the ratio of their medians is the figure.
 * Needs what `npm run deploy:local` needs (moto in .venv, the provider mirror or the registry); ~15 minutes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { startMoto } from "../local/moto";
import { emulatedDeploy, type AppliedEnvironment } from "../pipeline/emulated-deploy";
import { planStacks } from "../pipeline/plan-runner";
import { GO_RUNTIME_ENV, runTerraform, type TerraformOptions } from "../pipeline/terraform";
import { validateStacks } from "../pipeline/validate-runner";
import { readWholeNumberVar } from "../shared/env-reader";

const ROUNDS = readWholeNumberVar("terraform benchmark", "BENCH_ROUNDS", 2, process.env);
const outdir = path.join(PROJECT_ROOT, "cdktf.out");
const workDir = path.join(PROJECT_ROOT, ".build", "terraform");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const since = (t: number) => (Date.now() - t) / 1000;

/**
 * CPU seconds of this process and of every process it has waited for (Terraform, the providers Terraform
 * waited for, the synths), from /proc/self/stat; unlike wall time, neighbours on the machine do not move it.
 */
function cpuSeconds(): number {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  // utime, stime, cutime, cstime: fields 14-17 of proc(5), counted from the state field (3) here.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

/** `npx cdktf synth` into a scratch directory, as `cdktf diff` runs it before every plan. */
function synth(): number {
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
const asCdktfRunsIt = (terraform: TerraformOptions): TerraformOptions => ({
  ...terraform,
  env: {
    ...terraform.env,
    ...Object.fromEntries(Object.keys(GO_RUNTIME_ENV).map((k) => [k, process.env[k] ?? ""])),
  },
});

/** `cdktf diff <stack>` for each stack in turn: synth, init, plan. */
async function planLikeCdktfDiff(env: AppliedEnvironment): Promise<number> {
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

/** `npx cdktf synth` once, then `npm run plan` of the environment. */
async function planLikeProject(env: AppliedEnvironment): Promise<number> {
  const started = Date.now();
  synth();
  const result = await planStacks({
    outdir: env.outdir,
    globs: env.stacks.map((s) => s.name),
    terraform: env.terraform,
  });
  if (result.exitCode === 1) throw new Error("npm run plan failed");
  return since(started);
}

async function main(): Promise<void> {
  const fresh = spawnSync("npx", ["cdktf", "synth"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (fresh.status !== 0) throw new Error(`synth failed: ${fresh.stderr}`);
  console.log(`synth: ${synth().toFixed(1)} s (npx cdktf synth, all stacks)`);

  let started = Date.now();
  const validation = await validateStacks({ outdir, workDir });
  console.log(
    `validate: ${validation.stacks.length} stacks in ${since(started).toFixed(1)} s wall ` +
      `(${validation.stacks.filter((s) => s.valid).length} valid; per stack init + validate: ` +
      `${validation.stacks.map((s) => s.seconds.toFixed(1)).join(", ")} s)`,
  );

  const deployDir = path.join(PROJECT_ROOT, ".build", "bench-emulator");
  fs.rmSync(deployDir, { recursive: true, force: true });
  fs.mkdirSync(deployDir, { recursive: true });
  const moto = await startMoto({ logFile: path.join(deployDir, "moto.log") });
  const sequential: number[] = [];
  const project: number[] = [];
  const cpu = { cdktf: [] as number[], project: [] as number[] };
  try {
    started = Date.now();
    const result = await emulatedDeploy({
      outdir,
      workDir,
      deployDir,
      glob: "myblog-dev-*",
      endpoint: moto.endpoint,
      afterApply: async (env) => {
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate which goes first, so a warming cache or a busy neighbour favours neither.
          const order = round % 2 === 0 ? ["cdktf", "project"] : ["project", "cdktf"];
          for (const way of order) {
            const cpuBefore = cpuSeconds();
            if (way === "cdktf") sequential.push(await planLikeCdktfDiff(env));
            else project.push(await planLikeProject(env));
            (way === "cdktf" ? cpu.cdktf : cpu.project).push(cpuSeconds() - cpuBefore);
          }
          console.log(
            `  round ${round + 1}: cdktf-diff way ${sequential.at(-1)!.toFixed(1)} s (${cpu.cdktf.at(-1)!.toFixed(1)} CPU-s), ` +
              `npm run plan ${project.at(-1)!.toFixed(1)} s (${cpu.project.at(-1)!.toFixed(1)} CPU-s)`,
          );
        }
      },
    });
    for (const s of result.stacks.filter((x) => x.error)) console.log(`  ${s.stack}: ${s.error}`);
    const plan = result.stacks.reduce((sum, s) => sum + s.planSeconds, 0);
    console.log(
      `emulated deploy of dev (${result.exitCode === 0 ? "passed" : "FAILED"}): plan ${plan.toFixed(0)} s ` +
        `and apply ${(result.phases.apply - plan).toFixed(0)} s (stack by stack), re-plan ${result.phases.replan.toFixed(0)} s, ` +
        `destroy ${result.phases.destroy.toFixed(0)} s; whole run ${since(started).toFixed(0)} s ` +
        `(includes the ${ROUNDS} comparison rounds)`,
    );
  } finally {
    await moto.stop();
  }
  if (sequential.length > 0) {
    const ratio = median(sequential) / median(project);
    console.log(
      `plan dev, applied (5 stacks): one after another as cdktf diff does ${median(sequential).toFixed(1)} s, ` +
        `npm run plan ${median(project).toFixed(1)} s (medians of ${ROUNDS}): ${ratio.toFixed(2)}× faster (target ≥ 2×); ` +
        `CPU ${median(cpu.cdktf).toFixed(1)} against ${median(cpu.project).toFixed(1)} CPU-s`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
