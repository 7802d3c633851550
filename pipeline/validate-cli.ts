/**
 * npm run validate [-- <stack glob>...] [--outdir cdktf.out]
 * `terraform validate` of every synthesized stack with the real AWS provider (see validate-runner.ts).
 * Exit code 0 when every stack is valid, 1 otherwise.
 */
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { parseCli, resolveOutdir, runCli } from "./cli";
import { validateStacks } from "./validate-runner";

const USAGE = "npm run validate -- [<stack glob>...] [--outdir <dir>]";

runCli(async () => {
  const { values, positionals } = parseCli({ outdir: { type: "string" } }, USAGE);
  const started = Date.now();
  const result = await validateStacks({
    outdir: resolveOutdir(values.outdir),
    workDir: path.join(PROJECT_ROOT, ".build", "terraform"),
    globs: positionals,
    log: (line) => console.error(line),
  });
  const invalid = result.stacks.filter((s) => !s.valid).length;
  console.error(
    `${result.stacks.length - invalid} of ${result.stacks.length} stacks valid ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.exitCode;
});
