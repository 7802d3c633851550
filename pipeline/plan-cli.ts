/**
 * npm run plan [-- <stack glob>...] [--refresh-only] [--outdir cdktf.out] [--max-length 60000]
 * Plans every selected stack in dependency order and writes cdktf.out/plan-summary.{md,json}.
 * Exit code: 0 no changes, 2 changes (or stacks waiting on an upstream), 1 error.
 */
import { parseCli, resolveOutdir, runCli } from "./cli";
import { UsageError } from "./errors";
import { planStacks } from "./plan-runner";

const USAGE = "npm run plan -- [<stack glob>...] [--refresh-only] [--outdir <dir>] [--max-length <n>]";

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      "refresh-only": { type: "boolean", default: false },
      outdir: { type: "string" },
      "max-length": { type: "string" },
    },
    USAGE,
  );
  const maxLength = values["max-length"] === undefined ? undefined : Number(values["max-length"]);
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1000)) {
    throw new UsageError(`--max-length must be an integer of at least 1000, got "${values["max-length"]}"`);
  }
  const result = await planStacks({
    outdir: resolveOutdir(values.outdir),
    globs: positionals,
    refreshOnly: values["refresh-only"],
    maxLength,
    log: (line) => console.error(line),
  });
  process.stdout.write(result.markdown);
  console.error(`\nSummary written to ${result.markdownPath} and ${result.jsonPath}`);
  return result.exitCode;
});
