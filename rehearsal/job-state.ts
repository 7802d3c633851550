/**
 * What the rehearsal keeps while it runs one job: its root, the runner's files (GITHUB_OUTPUT, GITHUB_ENV, …) and
 * what the steps so far changed (environment, PATH, mounts), and the records it reports.
 */
import * as fs from "fs";
import * as path from "path";
import type { Value } from "./expressions";
import type { Bind, JobRoot } from "./root";

/** The emulator that stands in for AWS: one endpoint, emptied before each job that assumes a role. */
export interface AwsStandIn {
  readonly endpoint: string;
  reset(): Promise<void>;
}

export interface StepRecord {
  readonly label: string;
  /** ran: its `run:` script ran in the root; stand-in: replaced by its effect; skipped: not run, with a reason. */
  readonly how: "ran" | "stand-in" | "skipped" | "condition-false";
  readonly outcome: "success" | "failure" | "skipped";
  readonly seconds: number;
  /** For stand-ins and skips: what ran instead, or why nothing did. */
  readonly note?: string;
}

export interface JobRecord {
  readonly run: string;
  readonly job: string;
  readonly result: "success" | "failure" | "skipped" | "cancelled";
  readonly seconds: number;
  readonly steps: readonly StepRecord[];
  readonly note?: string;
}

/** One run of one workflow (an event): its artifacts and its jobs' results and outputs. */
export interface WorkflowRunState {
  /** e.g. `pull request (pull_request)`. */
  readonly label: string;
  readonly event: string;
  /** The `github` context of the run. */
  readonly github: Record<string, Value>;
  readonly inputs: Record<string, Value>;
  /** Where this run's artifacts are kept, one directory per artifact. */
  readonly artifactsDir: string;
  /** Job id → result and outputs, for `needs`. */
  readonly needs: Record<string, { result: string; outputs: Record<string, string> }>;
}

/** The runner's file commands, as in-root paths and host paths. */
export const FILE_COMMANDS = {
  GITHUB_OUTPUT: "output",
  GITHUB_ENV: "env",
  GITHUB_PATH: "path",
  GITHUB_STEP_SUMMARY: "step_summary",
  GITHUB_STATE: "state",
} as const;

export class JobState {
  /** Environment set by earlier steps (GITHUB_ENV, stand-ins such as the credentials). */
  readonly env: Record<string, string> = {};
  /** Directories earlier steps put first on PATH (GITHUB_PATH, setup actions). */
  readonly path: string[] = [];
  /** Mounts every later step gets (the npm cache once setup-node restored it). */
  readonly binds: Bind[];
  readonly steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> =
    {};
  readonly records: StepRecord[] = [];
  /** Set by the credentials stand-in: later `cdktf synth` steps are followed by the AWS stand-in. */
  assumedRole = false;
  failed = false;
  private stepIndex = 0;

  constructor(
    readonly root: JobRoot,
    readonly run: WorkflowRunState,
    /** e.g. `/__w/myblog-infra/myblog-infra`. */
    readonly workspace: string,
    readonly home: string,
    readonly runnerTemp: string,
    binds: readonly Bind[],
    readonly summaryFile: string,
  ) {
    this.binds = [...binds];
    for (const dir of [workspace, home, runnerTemp]) fs.mkdirSync(root.hostPath(dir), { recursive: true });
  }

  /** Fresh runner files for the next step; returns their in-root paths by variable. */
  nextStepFiles(): Record<string, string> {
    this.stepIndex += 1;
    const dir = path.posix.join(this.runnerTemp, "_runner_file_commands", String(this.stepIndex));
    fs.mkdirSync(this.root.hostPath(dir), { recursive: true });
    return Object.fromEntries(
      Object.entries(FILE_COMMANDS).map(([variable, file]) => {
        const inRoot = path.posix.join(dir, file);
        fs.writeFileSync(this.root.hostPath(inRoot), "");
        return [variable, inRoot];
      }),
    );
  }

  /** Reads what a step wrote to its runner files: outputs, env, path, summary. */
  collect(files: Record<string, string>): Record<string, string> {
    const read = (variable: string) => fs.readFileSync(this.root.readable(files[variable]), "utf8");
    Object.assign(this.env, parseKeyValues(read("GITHUB_ENV")));
    this.path.unshift(
      ...read("GITHUB_PATH")
        .split("\n")
        .filter((l) => l.trim()),
    );
    const summary = read("GITHUB_STEP_SUMMARY");
    if (summary) fs.appendFileSync(this.summaryFile, summary);
    return parseKeyValues(read("GITHUB_OUTPUT"));
  }
}

/** `name=value` lines and `name<<DELIMITER` blocks, as GITHUB_OUTPUT and GITHUB_ENV take them. */
export function parseKeyValues(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]);
      if (i >= lines.length) throw new Error(`unterminated ${heredoc[1]}<<${heredoc[2]} in a runner file`);
      result[heredoc[1]] = body.join("\n");
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`a runner file line is neither name=value nor name<<EOF: ${line}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}
