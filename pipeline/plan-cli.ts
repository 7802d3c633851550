/**
 * npm run plan [-- <stack glob>...] [--refresh-only] [--no-provisional] [--base-ref <commit> | --base <dir>] [--all]
 *   [--destroy] [--outdir cdktf.out] [--max-length 60000]
 * Plans every selected stack in dependency order and writes cdktf.out/plan-summary.{md,json}. A stack whose
 * upstream has no state yet is planned provisionally (never applied); `--no-provisional` leaves it waiting.
 * With a base (a commit synthesized here, or a synth output), only the stacks the change lands in are planned
 * (pipeline/change-scope.ts); `--all` plans every stack all the same. `--destroy` plans the teardown of the selected
 * stacks (every dependant of each selected too): a destroy summary, refused where a protection stands.
 * Exit code: 0 no changes, 2 changes (or stacks waiting on an upstream), 1 error.
 */
import * as fs from "fs";
import * as path from "path";
import { synthesizeRef, terraformVersion } from "./base-synth";
import { synthInputsOf, writeSynthInputs } from "./change-scope";
import { parseCli, parseMaxLength, resolveOutdir, runCli } from "./cli";
import { PipelineError, UsageError } from "./errors";
import { planStacks } from "./plan-runner";
import { DEFAULT_MAX_LENGTH } from "./summary/markdown";

const USAGE =
  "npm run plan -- [<stack glob>...] [--refresh-only] [--no-provisional] [--base-ref <commit> | --base <dir> " +
  "[--base-label <name>]] [--all] [--destroy] [--outdir <dir>] [--max-length <n>]";

/** The base of a change-scoped plan: a commit synthesized now, or a synth output given; undefined when none. */
function baseOf(
  values: { "base-ref"?: string; base?: string; "base-label"?: string },
  log: (l: string) => void,
) {
  if (values["base-ref"] && values.base)
    throw new UsageError(`give --base-ref or --base, not both\nUsage: ${USAGE}`);
  if (values.base)
    return { baseOutdir: path.resolve(values.base), base: values["base-label"] ?? values.base };
  const ref = values["base-ref"];
  if (!ref) return undefined;
  log(`synthesizing the base ${ref} …`);
  try {
    const synth = synthesizeRef(process.cwd(), ref, path.resolve(".build", "base", "cdktf.out"));
    return { baseOutdir: synth.outdir, base: synth.label };
  } catch (error) {
    // No base to compare with: every stack is planned, and the summary says why.
    if (!(error instanceof PipelineError)) throw error;
    log(`the base ${ref} could not be synthesized: ${error.message}`);
    return { baseOutdir: undefined, base: ref };
  }
}

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      "refresh-only": { type: "boolean", default: false },
      "no-provisional": { type: "boolean", default: false },
      base: { type: "string" },
      "base-ref": { type: "string" },
      "base-label": { type: "string" },
      all: { type: "boolean", default: false },
      destroy: { type: "boolean", default: false },
      outdir: { type: "string" },
      "max-length": { type: "string" },
    },
    USAGE,
  );
  const maxLength = parseMaxLength(values["max-length"], DEFAULT_MAX_LENGTH);
  const log = (line: string) => console.error(line);
  const outdir = resolveOutdir(values.outdir);
  // What this synth output was made from, beside it: the output (or its artefact) can be a later plan's base.
  const headInputs = synthInputsOf(process.cwd(), terraformVersion());
  if (fs.existsSync(outdir)) writeSynthInputs(outdir, headInputs);
  if (values.destroy && (values["refresh-only"] || values.base || values["base-ref"] || values.all))
    throw new UsageError(
      `--destroy plans every selected stack's teardown: it takes no --refresh-only, base or --all\nUsage: ${USAGE}`,
    );
  const base = baseOf(values, log);
  if (values.all && !base) throw new UsageError(`--all goes with --base-ref or --base\nUsage: ${USAGE}`);
  const result = await planStacks({
    outdir,
    globs: positionals,
    refreshOnly: values["refresh-only"],
    destroy: values.destroy,
    provisional: !values["no-provisional"],
    ...(base ? { changeScope: { ...base, headInputs, all: values.all } } : {}),
    maxLength,
    log,
  });
  process.stdout.write(result.markdown);
  console.error(`\nSummary written to ${result.markdownPath} and ${result.jsonPath}`);
  return result.exitCode;
});
