/**
 * Plan review that scales (issue 22), against the AWS emulator with the real provider, side by side in one run:
 * - a fresh `dev` environment: the time until a complete summary of all five stacks (`npm run plan:local`'s code:
 *   the network planned for real, the others provisionally) against today's summary of one stack (the others
 *   waiting, `--no-provisional`); both from a copy of the synth output with empty state;
 * - a one-stack change in the applied `dev` environment (an alarm of the api stack made stricter in its
 *   synthesized JSON, as a pull request would): change-scoped planning — with the base downloaded as an artefact
 *   (one synth) and with the base commit synthesized too (`--base-ref`: two synths) — against planning all stacks
 *   (`npm run plan`, one synth) against `cdktf diff` one stack at a time (a synth, init and plan each). The goal:
 *   change-scoped ≥ 3× faster than all stacks.
 * Wall and CPU time of each (CPU: this process and every process it waited for). Needs what `npm run deploy:local`
 * needs; ~30 minutes. `BENCH_ROUNDS` (default 2) sets the rounds of the one-stack comparison; `BENCH_FRESH=0`
 * leaves out the fresh environment.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { startMoto } from "../local/moto";
import { writeSynthInputs, type SynthInputs } from "../pipeline/change-scope";
import { emulatedDeploy, type AppliedEnvironment } from "../pipeline/emulated-deploy";
import { emulatedFreshPlan, prepareEmulatorCopy } from "../pipeline/emulated-plan";
import { planStacks } from "../pipeline/plan-runner";
import { cpuSeconds, median, planLikeCdktfDiff, since, synth } from "./terraform-ways";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const GLOB = "myblog-dev-*";
const CHANGED = "myblog-dev-api";
const outdir = path.join(PROJECT_ROOT, "cdktf.out");
const workDir = path.join(PROJECT_ROOT, ".build", "terraform");
const root = path.join(PROJECT_ROOT, ".build", "bench-plan-scope");
/** Both synth outputs come from this checkout: what they were made from is the same. */
const INPUTS: SynthInputs = { files: { "cdktf.json": "bench" }, terraformVersion: "bench" };

interface Timed {
  readonly wall: number;
  readonly cpu: number;
  /** Of the wall time, the synths' (common to every way but the change-scoped one with the base's synth). */
  synth?: number;
}

async function timed(run: () => Promise<unknown>): Promise<Timed> {
  const started = Date.now();
  const cpu = cpuSeconds();
  await run();
  return { wall: since(started), cpu: cpuSeconds() - cpu };
}

const show = (t: Timed) => `${t.wall.toFixed(1)} s (${t.cpu.toFixed(1)} CPU-s)`;

/** A fresh environment, both ways, each from its own empty copy. */
async function freshEnvironment(endpoint: string): Promise<void> {
  const today = await timed(async () => {
    const copy = prepareEmulatorCopy({ outdir, workDir, endpoint }, path.join(root, "fresh-today"));
    const result = await planStacks({
      outdir: copy.outdir,
      globs: [GLOB],
      terraform: copy.terraform,
      provisional: false,
    });
    const planned = result.summary.stacks.filter((s) => s.status === "changes").map((s) => s.name);
    console.log(
      `  today: planned ${planned.join(", ")}; waiting ${result.summary.stacks.length - planned.length}`,
    );
  });
  const whole = await timed(async () => {
    const result = await emulatedFreshPlan({
      outdir,
      workDir,
      planDir: path.join(root, "fresh-whole"),
      glob: GLOB,
      endpoint,
    });
    if (result.unplanned.length > 0) throw new Error(`not planned: ${result.unplanned.join(", ")}`);
    const provisional = result.plan.summary.stacks.filter((s) => s.provisional).length;
    console.log(
      `  whole: ${result.plan.summary.stacks.length} stacks planned (${provisional} provisionally)`,
    );
  });
  console.log(
    `fresh dev: today's summary (1 stack planned, 4 waiting) ${show(today)}; complete summary of all 5 ${show(whole)}: ` +
      `${(whole.wall / today.wall).toFixed(2)}× the wall time, ${(whole.cpu / today.cpu).toFixed(2)}× the CPU`,
  );
}

/** The one-stack change: the api stack's first alarm needs one more evaluation period. */
function changeOneStack(env: AppliedEnvironment): () => void {
  const stack = env.stacks.find((s) => s.name === CHANGED)!;
  const original = fs.readFileSync(stack.synthesizedStackPath, "utf8");
  const json = JSON.parse(original) as { resource: Record<string, Record<string, Record<string, unknown>>> };
  const [name, alarm] = Object.entries(json.resource.aws_cloudwatch_metric_alarm)[0];
  alarm.evaluation_periods = Number(alarm.evaluation_periods ?? 1) + 1;
  fs.writeFileSync(stack.synthesizedStackPath, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`  change: aws_cloudwatch_metric_alarm.${name}.evaluation_periods in ${CHANGED}`);
  return () => fs.writeFileSync(stack.synthesizedStackPath, original);
}

async function oneStackChange(env: AppliedEnvironment): Promise<void> {
  // The base: the applied environment's synth output as it is, before the change.
  const base = path.join(root, "base", "cdktf.out");
  fs.rmSync(base, { recursive: true, force: true });
  fs.cpSync(env.outdir, base, {
    recursive: true,
    filter: (f) => !f.includes(`${path.sep}.terraform`) && !f.includes(`${path.sep}plans`),
  });
  writeSynthInputs(base, INPUTS);
  const restore = changeOneStack(env);
  const times = {
    scoped: [] as Timed[],
    "scoped+base synth": [] as Timed[],
    all: [] as Timed[],
    cdktf: [] as Timed[],
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const ways = ["scoped", "scoped+base synth", "all", "cdktf"] as const;
      // Rotate which goes first, so a warming cache or a busy neighbour favours none.
      for (const way of [...ways.slice(round % ways.length), ...ways.slice(0, round % ways.length)]) {
        let synthSeconds = 0;
        const t = await timed(async () => {
          if (way === "cdktf") {
            await planLikeCdktfDiff(env);
            return;
          }
          synthSeconds = synth();
          if (way === "scoped+base synth") synthSeconds += synth(); // the base commit's own synth (`--base-ref`)
          const scoped = way !== "all";
          const result = await planStacks({
            outdir: env.outdir,
            globs: [GLOB],
            terraform: env.terraform,
            ...(scoped ? { changeScope: { baseOutdir: base, base: "base", headInputs: INPUTS } } : {}),
          });
          const planned = result.summary.stacks.filter((s) => s.status !== "not-planned").map((s) => s.name);
          if (result.exitCode !== 2) throw new Error(`${way}: exit ${result.exitCode}`);
          if (scoped && planned.join() !== CHANGED) throw new Error(`scoped planned ${planned.join()}`);
        });
        times[way].push({ ...t, synth: synthSeconds });
      }
      console.log(
        `  round ${round + 1}: change-scoped ${show(times.scoped.at(-1)!)} (with the base's synth ` +
          `${show(times["scoped+base synth"].at(-1)!)}), all stacks ${show(times.all.at(-1)!)}, ` +
          `cdktf diff one by one ${show(times.cdktf.at(-1)!)}`,
      );
    }
  } finally {
    restore();
  }
  const m = (xs: Timed[], k: "wall" | "cpu") => median(xs.map((x) => x[k]));
  const ratio = (a: Timed[], b: Timed[]) => (m(a, "wall") / m(b, "wall")).toFixed(2);
  console.log(
    `one-stack change in dev (${CHANGED}), medians of ${ROUNDS}: change-scoped ${m(times.scoped, "wall").toFixed(1)} s ` +
      `(${m(times["scoped+base synth"], "wall").toFixed(1)} s with the base's synth), all stacks ` +
      `${m(times.all, "wall").toFixed(1)} s, cdktf diff one by one ${m(times.cdktf, "wall").toFixed(1)} s; change-scoped ` +
      `is ${ratio(times.all, times.scoped)}× faster than all stacks (goal ≥ 3×; ` +
      `${ratio(times.all, times["scoped+base synth"])}× with the base's synth) and ` +
      `${ratio(times.cdktf, times.scoped)}× faster than cdktf diff; CPU ` +
      `${m(times.scoped, "cpu").toFixed(1)} / ${m(times["scoped+base synth"], "cpu").toFixed(1)} / ` +
      `${m(times.all, "cpu").toFixed(1)} / ${m(times.cdktf, "cpu").toFixed(1)} CPU-s`,
  );
  // The plan step alone, without the synth(s) that every way but cdktf diff runs once before it.
  const planOnly = (xs: Timed[]) => median(xs.map((x) => x.wall - (x.synth ?? 0)));
  console.log(
    `  plan step alone (wall less each way's synths, medians): change-scoped ${planOnly(times.scoped).toFixed(1)} s, ` +
      `all stacks ${planOnly(times.all).toFixed(1)} s: ${(planOnly(times.all) / planOnly(times.scoped)).toFixed(2)}×; ` +
      `synth ${median(times.all.map((x) => x.synth ?? 0)).toFixed(1)} s`,
  );
}

async function main(): Promise<void> {
  const fresh = synth();
  console.log(`synth: ${fresh.toFixed(1)} s (npx cdktf synth, all stacks)`);
  fs.mkdirSync(root, { recursive: true });
  const moto = await startMoto({ logFile: path.join(root, "moto.log") });
  try {
    if (process.env.BENCH_FRESH !== "0") await freshEnvironment(moto.endpoint);
    const deployDir = path.join(root, "deploy");
    fs.mkdirSync(deployDir, { recursive: true });
    const started = Date.now();
    const result = await emulatedDeploy({
      outdir,
      workDir,
      deployDir,
      glob: GLOB,
      endpoint: moto.endpoint,
      afterApply: oneStackChange,
    });
    for (const s of result.stacks.filter((x) => x.error)) console.log(`  ${s.stack}: ${s.error}`);
    console.log(
      `emulated deploy of dev (${result.exitCode === 0 ? "passed" : "FAILED"}), with the comparison: ${since(started).toFixed(0)} s`,
    );
  } finally {
    await moto.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
