/**
 * npm run plan:local [-- --env dev [--env prod]] [--outdir cdktf.out] [--stack-timeout 900]
 * Starts the AWS emulator (moto) and plans each environment from nothing, as its first pull request would: every
 * stack planned, those downstream of a stack without state provisionally. Writes each environment's summary to
 * .build/plan-local/<env>/cdktf.out/plan-summary.md. Exit code 0 only when every stack of every environment
 * was planned (no failed or waiting stack).
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { startMoto } from "../local/moto";
import { environmentGlob, parseCli, parseStackTimeoutMs, resolveOutdir, runCli } from "./cli";
import { emulatedFreshPlan } from "./emulated-plan";
import { readStacks } from "./manifest";

const USAGE = "npm run plan:local -- [--env <name>]... [--outdir <dir>] [--stack-timeout <seconds>]";

runCli(async () => {
  const { values } = parseCli(
    {
      env: { type: "string", multiple: true, default: ["dev"] },
      outdir: { type: "string" },
      "stack-timeout": { type: "string" },
    },
    USAGE,
  );
  const outdir = resolveOutdir(values.outdir);
  const stackTimeoutMs = parseStackTimeoutMs(values["stack-timeout"], USAGE);
  const names = readStacks(outdir).map((s) => s.name);
  const globs = values.env.map((env) => ({ env, glob: environmentGlob(names, env, outdir) }));

  const root = path.join(PROJECT_ROOT, ".build", "plan-local");
  fs.mkdirSync(root, { recursive: true });
  const moto = await startMoto({ logFile: path.join(root, "moto.log") });
  console.error(`moto on ${moto.endpoint}`);
  let failed = 0;
  try {
    for (const { env, glob } of globs) {
      const planDir = path.join(root, env);
      const result = await emulatedFreshPlan({
        outdir,
        workDir: path.join(PROJECT_ROOT, ".build", "terraform"),
        planDir,
        glob,
        endpoint: moto.endpoint,
        stackTimeoutMs,
        log: (line) => console.error(line),
      });
      const rows = result.plan.summary.stacks.map(
        (s) =>
          `| ${s.name} | ${s.provisional ? `provisional (${s.provisional.upstreams.join(", ")})` : s.status === "changes" ? "planned" : s.status} ` +
          `| ${s.counts.create} | ${s.provisional?.standIns.length ?? 0} | ${s.documents?.length ?? 0} |`,
      );
      process.stdout.write(
        [
          `\n${env}: ${result.plan.summary.stacks.length} stacks planned from nothing in ${result.seconds.toFixed(0)} s ` +
            `(summary: ${path.relative(PROJECT_ROOT, result.plan.markdownPath)})`,
          "| stack | plan | to create | stand-ins | policies |",
          "|---|---|---|---|---|",
          ...rows,
          "",
        ].join("\n"),
      );
      for (const s of result.plan.summary.stacks.filter((x) => x.error))
        console.error(`${s.name}: ${s.error}`);
      if (result.unplanned.length > 0) {
        console.error(`${env}: not planned: ${result.unplanned.join(", ")}`);
        failed++;
      }
    }
  } finally {
    await moto.stop();
  }
  return failed === 0 ? 0 : 1;
});
