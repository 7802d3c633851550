/**
 * npm run matrix [-- <example>...] [--skip <step>]...
 * Synth, real-provider validation, rule pack with Checkov and cold starts on each example configuration of
 * matrix/examples.ts (all of them by default), and the names no two stacks of one app may own; prints the table.
 * Exit code 0 when every step passes, 1 otherwise.
 */
import { PROJECT_ROOT } from "../lib/paths";
import { parseCli, runCli } from "../pipeline/cli";
import { UsageError } from "../pipeline/errors";
import { selectExamples } from "./examples";
import { formatReport, runMatrix, STEPS, type StepName } from "./run";

const USAGE = `npm run matrix -- [<example>...] [--skip ${STEPS.map((s) => `"${s}"`).join("|")}]...`;

runCli(async () => {
  const { values, positionals } = parseCli({ skip: { type: "string", multiple: true } }, USAGE);
  const skip = (values.skip ?? []) as StepName[];
  const unknown = skip.filter((s) => !STEPS.includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown step(s) ${unknown.join(", ")}\nUsage: ${USAGE}`);
  let examples;
  try {
    examples = selectExamples(positionals);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nUsage: ${USAGE}`);
  }
  const report = await runMatrix(examples, { root: PROJECT_ROOT, skip, log: (line) => console.error(line) });
  console.log(formatReport(report));
  return report.ok ? 0 : 1;
});
