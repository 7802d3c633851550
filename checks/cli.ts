/**
 * `npm run check [-- <outdir>] [--quiet] [--checkov-only]`: after `npx cdktf synth`, runs the rule pack and
 * Checkov on every stack, prints the rule × stack table and the findings, writes
 * `<outdir>/security-report.{json,sarif}` and `<outdir>/checkov-report.{json,sarif}`. Exit code 0 when
 * everything passes, 1 on a failed check or an invalid suppression, 2 when the input cannot be read, a rule
 * cannot evaluate it, or Checkov is missing or crashes. `SKIP_CHECKOV=1` runs the pack alone.
 */
import * as fs from "fs";
import * as path from "path";
import { checkovScanner, type CheckovReport } from "./checkov/judge";
import { CheckovNotFoundError } from "./checkov/locate";
import {
  CHECKOV_JSON_REPORT,
  CHECKOV_SARIF_REPORT,
  formatCheckov,
  toCheckovJson,
  toCheckovSarif,
} from "./checkov/report";
import { CheckovRunError } from "./checkov/run";
import { checkovSwitchedOff, scanWithCheckov, SKIP_CHECKOV_ENV } from "./checkov/scan";
import { RuleEvaluationError, runChecks } from "./engine";
import { CheckInputError, loadOutdir } from "./model";
import { formatDetails, formatTable, toJsonReport } from "./report";
import { toSarif } from "./sarif";

export const JSON_REPORT = "security-report.json";
export const SARIF_REPORT = "security-report.sarif";

export interface CliIo {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  readonly cwd: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where `.venv/` is looked for. @default the project root */
  readonly root?: string;
}

const USAGE = "usage: npm run check -- [outdir (default cdktf.out)] [--quiet] [--checkov-only]";
const FLAGS = ["--quiet", "--checkov-only", "--help", "-h"];
const PROJECT_ROOT = path.resolve(__dirname, "..");

const writeJson = (file: string, value: object) =>
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** How the output directory appears in SARIF URIs: relative to the repository root when inside it. */
function outdirUri(outdir: string, cwd: string): string {
  const relative = path.relative(cwd, outdir);
  const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  return (inside ? relative : path.basename(outdir)).split(path.sep).join("/");
}

export function main(
  argv: readonly string[],
  io: CliIo = { log: console.log, error: console.error, cwd: process.cwd() },
): number {
  const flags = argv.filter((a) => a.startsWith("-"));
  const positional = argv.filter((a) => !a.startsWith("-"));
  const unknown = flags.filter((f) => !FLAGS.includes(f));
  if (unknown.length || positional.length > 1) {
    io.error(
      `${unknown.length ? `unknown option ${unknown.join(", ")}` : "at most one output directory"}\n${USAGE}`,
    );
    return 2;
  }
  if (flags.includes("--help") || flags.includes("-h")) {
    io.log(USAGE);
    return 0;
  }
  const outdir = path.resolve(io.cwd, positional[0] ?? "cdktf.out");
  const env = io.env ?? process.env;
  const checkovOnly = flags.includes("--checkov-only");
  const shown = (file: string) => path.relative(io.cwd, path.join(outdir, file));
  try {
    const model = loadOutdir(outdir);
    const uri = outdirUri(outdir, io.cwd);
    let checkov: CheckovReport | undefined;
    if (checkovSwitchedOff(env)) {
      if (checkovOnly)
        throw new CheckovRunError(`--checkov-only with ${SKIP_CHECKOV_ENV} set: nothing to run`);
      io.log(`Checkov switched off (${SKIP_CHECKOV_ENV}); the rule pack runs alone`);
      // No stale Checkov report may pass for this run's.
      for (const file of [CHECKOV_JSON_REPORT, CHECKOV_SARIF_REPORT])
        fs.rmSync(path.join(outdir, file), { force: true });
    } else {
      checkov = scanWithCheckov(model, outdir, io.root ?? PROJECT_ROOT, env);
      writeJson(path.join(outdir, CHECKOV_JSON_REPORT), toCheckovJson(checkov));
      writeJson(path.join(outdir, CHECKOV_SARIF_REPORT), toCheckovSarif(checkov, model, uri));
    }
    if (checkovOnly && checkov) {
      io.log(formatCheckov(checkov));
      io.log(`reports: ${shown(CHECKOV_JSON_REPORT)}, ${shown(CHECKOV_SARIF_REPORT)}`);
      return checkov.ok ? 0 : 1;
    }
    const report = runChecks(model, undefined, checkovScanner(checkov));
    writeJson(path.join(outdir, JSON_REPORT), toJsonReport(report));
    writeJson(path.join(outdir, SARIF_REPORT), toSarif(report, model, uri));
    if (!flags.includes("--quiet")) io.log(formatTable(report));
    io.log(formatDetails(report));
    if (checkov) io.log(formatCheckov(checkov));
    const written = [
      JSON_REPORT,
      SARIF_REPORT,
      ...(checkov ? [CHECKOV_JSON_REPORT, CHECKOV_SARIF_REPORT] : []),
    ];
    io.log(`reports: ${written.map(shown).join(", ")}`);
    return report.ok && (checkov?.ok ?? true) ? 0 : 1;
  } catch (e) {
    if (
      e instanceof CheckInputError ||
      e instanceof RuleEvaluationError ||
      e instanceof CheckovNotFoundError ||
      e instanceof CheckovRunError
    ) {
      io.error(`check: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
