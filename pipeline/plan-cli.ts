/**
 * npm run plan [-- <stack glob>...] [--refresh-only] [--no-provisional] [--outdir cdktf.out] [--max-length 60000]
 * Plans every selected stack in dependency order and writes cdktf.out/plan-summary.{md,json}. A stack whose
 * upstream has no state yet is planned provisionally (never applied); `--no-provisional` leaves it waiting.
 * Exit code: 0 no changes, 2 changes (or stacks waiting on an upstream), 1 error.
 */
import { parseCli, parseMaxLength, resolveOutdir, runCli } from "./cli";
import { planStacks } from "./plan-runner";
import { DEFAULT_MAX_LENGTH } from "./summary/markdown";

const USAGE =
  "npm run plan -- [<stack glob>...] [--refresh-only] [--no-provisional] [--outdir <dir>] [--max-length <n>]";

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      "refresh-only": { type: "boolean", default: false },
      "no-provisional": { type: "boolean", default: false },
      outdir: { type: "string" },
      "max-length": { type: "string" },
    },
    USAGE,
  );
  const maxLength = parseMaxLength(values["max-length"], DEFAULT_MAX_LENGTH);
  const result = await planStacks({
    outdir: resolveOutdir(values.outdir),
    globs: positionals,
    refreshOnly: values["refresh-only"],
    provisional: !values["no-provisional"],
    maxLength,
    log: (line) => console.error(line),
  });
  process.stdout.write(result.markdown);
  console.error(`\nSummary written to ${result.markdownPath} and ${result.jsonPath}`);
  return result.exitCode;
});
