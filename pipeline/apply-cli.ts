/**
 * npm run apply [-- <stack glob>...] [--outdir cdktf.out]
 * Applies the plans saved by `npm run plan`, upstream first (destroy plans downstream first, all or none); refuses
 * changed or stale plans and skips the dependants of a stack that did not apply. Writes cdktf.out/apply-result.json. Exit code 0 or 1.
 */
import * as fs from "fs";
import * as path from "path";
import { applyPlans } from "./apply-runner";
import { parseCli, resolveOutdir, runCli } from "./cli";

const USAGE = "npm run apply -- [<stack glob>...] [--outdir <dir>]";

runCli(async () => {
  const { values, positionals } = parseCli({ outdir: { type: "string" } }, USAGE);
  const outdir = resolveOutdir(values.outdir);
  const run = await applyPlans({ outdir, globs: positionals, log: (line) => console.error(line) });
  fs.writeFileSync(path.join(outdir, "apply-result.json"), `${JSON.stringify(run, null, 2)}\n`);
  const needsPlan = run.results.filter((r) => r.status === "needs-plan").map((r) => r.stack);
  if (needsPlan.length > 0)
    console.error(`\nStill to plan and apply (their upstream was new): ${needsPlan.join(" ")}`);
  return run.exitCode;
});
