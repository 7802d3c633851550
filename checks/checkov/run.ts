/**
 * Runs Checkov once over every stack file (its Terraform JSON mode, the one made for cdktf output) and reads
 * its JSON results. Offline: no platform download, no mapping download, no update check, no inherited config.
 */
import { spawnSync } from "child_process";

export type CheckovVerdict = "passed" | "failed";

/** One Checkov check on one block of one file, as Checkov reported it. */
export interface CheckovResult {
  readonly checkId: string;
  readonly checkName: string;
  readonly verdict: CheckovVerdict;
  /** The file as passed to Checkov (relative to the directory it ran in). */
  readonly file: string;
  /** Checkov's resource id: `aws_s3_bucket.x` for graph checks, `resource.x` / `data.x` for the others. */
  readonly resource: string;
  readonly startLine: number;
  readonly guideline?: string;
}

export interface CheckovRun {
  readonly version: string;
  readonly results: readonly CheckovResult[];
  /** Wall time of the Checkov process. */
  readonly millis: number;
}

export class CheckovRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckovRunError";
  }
}

/** Flags that keep Checkov local: Terraform JSON only, nothing fetched from the platform. */
export const CHECKOV_ARGS = [
  "--framework",
  "terraform_json",
  "--skip-download",
  "--output",
  "json",
  "--compact",
];

/**
 * Checkov's own switches are dropped from the inherited environment, so a CKV_SKIP_CHECK in a shell or CI
 * variable cannot skip checks wholesale; the only skips are the suppressions in code.
 */
export function checkovEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^(CKV_|BC_|CHECKOV_|PRISMA_)/.test(key)),
  );
  return {
    ...clean,
    BC_SKIP_MAPPING: "TRUE", // no download of the check id mapping
    CKV_SKIP_PACKAGE_UPDATE_CHECK: "true", // no query to PyPI for a newer version
    PYTHONHASHSEED: "0",
    LOG_LEVEL: "WARNING",
  };
}

interface RawRecord {
  check_id?: unknown;
  check_name?: unknown;
  file_abs_path?: unknown;
  resource?: unknown;
  file_line_range?: unknown;
  guideline?: unknown;
}

function readRecords(list: unknown, verdict: CheckovVerdict): CheckovResult[] {
  if (!Array.isArray(list)) return [];
  return (list as RawRecord[]).map((r) => {
    if (
      typeof r.check_id !== "string" ||
      typeof r.file_abs_path !== "string" ||
      typeof r.resource !== "string"
    )
      throw new CheckovRunError(`unexpected Checkov record: ${JSON.stringify(r).slice(0, 200)}`);
    const lines = Array.isArray(r.file_line_range) ? r.file_line_range : [];
    return {
      checkId: r.check_id,
      checkName: typeof r.check_name === "string" ? r.check_name : r.check_id,
      verdict,
      file: r.file_abs_path,
      resource: r.resource,
      startLine: typeof lines[0] === "number" ? lines[0] : 0,
      ...(typeof r.guideline === "string" ? { guideline: r.guideline } : {}),
    };
  });
}

/** Parses `checkov -o json` output: one report object (one framework), or a summary alone when nothing matched. */
export function parseCheckovJson(stdout: string): Omit<CheckovRun, "millis"> {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new CheckovRunError(`Checkov did not print JSON: ${stdout.slice(0, 300)}`);
  }
  const reports = Array.isArray(json) ? json : [json];
  const results: CheckovResult[] = [];
  let version = "";
  for (const report of reports as {
    results?: Record<string, unknown>;
    summary?: Record<string, unknown>;
  }[]) {
    const summary = report.summary ?? (report as Record<string, unknown>);
    if (typeof summary.checkov_version === "string") version = summary.checkov_version;
    if (typeof summary.parsing_errors === "number" && summary.parsing_errors > 0)
      throw new CheckovRunError(
        `Checkov could not parse ${summary.parsing_errors} file(s): it scanned nothing there`,
      );
    results.push(
      ...readRecords(report.results?.passed_checks, "passed"),
      ...readRecords(report.results?.failed_checks, "failed"),
    );
  }
  return { version, results };
}

/**
 * @param files stack files relative to `cwd`
 * @throws CheckovRunError when Checkov crashes or prints something that is not its JSON report
 */
export function runCheckov(
  binary: string,
  files: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): CheckovRun {
  const started = Date.now();
  const run = spawnSync(binary, [...CHECKOV_ARGS, ...files.flatMap((f) => ["--file", f])], {
    cwd,
    env: checkovEnv(env),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  });
  const millis = Date.now() - started;
  if (run.error) throw new CheckovRunError(`could not run ${binary}: ${run.error.message}`);
  // Checkov exits 1 when a check fails; anything else but 0 is a crash.
  if (run.status !== 0 && run.status !== 1)
    throw new CheckovRunError(`Checkov exited ${run.status ?? run.signal}: ${run.stderr.slice(-2000)}`);
  return { ...parseCheckovJson(run.stdout), millis };
}
