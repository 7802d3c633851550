/**
 * Rule pack speed (issue 4: ≤ 1 s for all stacks). Synthesizes the real app once into a temporary directory,
 * then times, over several runs: loading every cdk.tf.json, running every rule with the cross-stack joins,
 * and writing the JSON and SARIF reports, in process (the first, cold run reported apart); and the whole
 * `npm run check` process (tsx start-up included).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { runChecks } from "../checks/engine";
import { loadOutdir } from "../checks/model";
import { toJsonReport } from "../checks/report";
import { toSarif } from "../checks/sarif";
import { readWholeNumberVar } from "../shared/env-reader";

const RUNS = readWholeNumberVar("checks benchmark", "BENCH_RUNS", 20, process.env);
const root = path.resolve(__dirname, "..");
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-checks-"));

try {
  const synth = spawnSync(process.execPath, [path.join(root, "scripts", "run-app.mjs")], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);

  const once = () => {
    const started = performance.now();
    const model = loadOutdir(outdir);
    const loaded = performance.now();
    const report = runChecks(model);
    const checked = performance.now();
    fs.writeFileSync(
      path.join(outdir, "security-report.json"),
      JSON.stringify(toJsonReport(report), null, 2),
    );
    fs.writeFileSync(
      path.join(outdir, "security-report.sarif"),
      JSON.stringify(toSarif(report, model, "cdktf.out"), null, 2),
    );
    const written = performance.now();
    return {
      load: loaded - started,
      rules: checked - loaded,
      write: written - checked,
      total: written - started,
      report,
      model,
    };
  };

  const cold = once();
  const warm = Array.from({ length: RUNS }, once);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const max = (xs: number[]) => Math.max(...xs);

  const cliRuns = Array.from({ length: 5 }, () => {
    const started = performance.now();
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(root, "checks", "cli.ts"), outdir, "--quiet"],
      // The rule pack's process alone, as recorded in BENCHMARKS.md: Checkov beside it takes seconds of its own.
      { cwd: root, encoding: "utf8", env: { ...process.env, SKIP_CHECKOV: "1" } },
    );
    if (run.status !== 0)
      throw new Error(`npm run check failed (${run.status}):\n${run.stdout}${run.stderr}`);
    return performance.now() - started;
  });

  const resources = cold.model.stacks.reduce((n, s) => n + s.resources.length, 0);
  const { summary } = cold.report;
  console.log(
    `rule pack on the real app: ${cold.model.stacks.length} stacks, ${resources} resources, ${cold.report.rules.length} rules, ` +
      `${summary.pass + summary.suppressed + summary.fail} evaluations; ${os.cpus().length} cores`,
  );
  console.log("| step | cold (ms) | warm median (ms) | warm max (ms) |");
  console.log("|---|---|---|---|");
  for (const step of ["load", "rules", "write", "total"] as const) {
    const xs = warm.map((w) => w[step]);
    console.log(`| ${step} | ${cold[step].toFixed(1)} | ${median(xs).toFixed(1)} | ${max(xs).toFixed(1)} |`);
  }
  console.log(
    `| whole \`npm run check\` process (tsx start-up included), median of 5 | | ${median(cliRuns).toFixed(0)} | ${max(cliRuns).toFixed(0)} |`,
  );
  if (cold.total > 1000) {
    console.error(`FAIL: the rule pack took ${cold.total.toFixed(0)} ms cold (budget 1000 ms)`);
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
