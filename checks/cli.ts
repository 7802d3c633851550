/**
 * `npm run check [-- <outdir>] [--quiet]`: after `npx cdktf synth`, runs the rule pack on every stack, prints
 * the rule × stack table and the findings, writes `<outdir>/security-report.json` and
 * `<outdir>/security-report.sarif`. Exit code 0 when everything passes, 1 on a failed check or an invalid
 * suppression, 2 when the input cannot be read or a rule cannot evaluate it.
 */
import * as fs from "fs";
import * as path from "path";
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
}

const USAGE = "usage: npm run check -- [outdir (default cdktf.out)] [--quiet]";

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
  const unknown = flags.filter((f) => f !== "--quiet" && f !== "--help" && f !== "-h");
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
  try {
    const model = loadOutdir(outdir);
    const report = runChecks(model);
    fs.writeFileSync(path.join(outdir, JSON_REPORT), `${JSON.stringify(toJsonReport(report), null, 2)}\n`);
    fs.writeFileSync(
      path.join(outdir, SARIF_REPORT),
      `${JSON.stringify(toSarif(report, model, outdirUri(outdir, io.cwd)), null, 2)}\n`,
    );
    if (!flags.includes("--quiet")) io.log(formatTable(report));
    io.log(formatDetails(report));
    io.log(
      `reports: ${path.relative(io.cwd, path.join(outdir, JSON_REPORT))}, ${path.relative(io.cwd, path.join(outdir, SARIF_REPORT))}`,
    );
    return report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof CheckInputError || e instanceof RuleEvaluationError) {
      io.error(`check: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
