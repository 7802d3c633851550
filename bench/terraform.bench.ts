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
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { startMoto } from "../local/moto";
import { emulatedDeploy, type AppliedEnvironment } from "../pipeline/emulated-deploy";
import { planStacks } from "../pipeline/plan-runner";
import { validateStacks } from "../pipeline/validate-runner";
import { cpuSeconds, median, planLikeCdktfDiff, since, synth } from "./terraform-ways";
import { readWholeNumberVar } from "../shared/env-reader";

const ROUNDS = readWholeNumberVar("terraform benchmark", "BENCH_ROUNDS", 2, process.env);
const outdir = path.join(PROJECT_ROOT, "cdktf.out");
const workDir = path.join(PROJECT_ROOT, ".build", "terraform");
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
