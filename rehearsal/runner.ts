/**
 * Runs one workflow for one event as GitHub would, job after job in `needs` order: `if:` conditions, matrices with
 * fail-fast, job outputs, and each step in a fresh root per job: `run:` scripts with `bash -e` and the runner's
 * variables and files, actions and AWS steps through their stand-ins (stand-ins.ts).
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  condition,
  interpolate,
  interpolateValue,
  toText,
  type EvaluationContext,
  type Value,
} from "./expressions";
import {
  JobState,
  type AwsStandIn,
  type JobRecord,
  type StepRecord,
  type WorkflowRunState,
} from "./job-state";
import { JobRoot, type Bind } from "./root";
import {
  actionName,
  actionStandIn,
  GITHUB_SCRIPT,
  hashFiles,
  RUN_REPLACEMENTS,
  StandInFailure,
  type StandInSettings,
} from "./stand-ins";
import { stepLabel, type Job, type Step, type Workflow } from "./workflow";

export interface RunnerSettings extends StandInSettings {
  readonly base: string;
  /** Where job roots are made (removed after each job). */
  readonly jobsDir: string;
  /** Repository variables (`vars`), as a team sets them per the README. */
  readonly vars: Readonly<Record<string, string>>;
  /** Host files seen in every root (DNS, the host's CA bundle, the provider mirror), and the host's TLS settings. */
  readonly binds: readonly Bind[];
  readonly hostEnv: Readonly<Record<string, string>>;
  readonly aws: AwsStandIn;
  readonly log: (line: string) => void;
  /** What an `npm ci` step produced, by lockfile, Node and workspace path (filled by the first such step). */
  readonly npmCiSnapshots: Map<string, { readonly dir: string; readonly job: string }>;
}

/** Root paths as GitHub lays them out: a container job's, and a runner job's (runner stand-in). */
function layout(job: Job, repo: string) {
  return job.container
    ? { workspace: `/__w/${repo}/${repo}`, home: "/github/home", temp: "/__w/_temp" }
    : {
        workspace: `/home/runner/work/${repo}/${repo}`,
        home: "/home/runner",
        temp: "/home/runner/work/_temp",
      };
}

/** `cp -a` (a job's node_modules is 60,000 files: several times faster than fs.cpSync). */
function copyTree(from: string, to: string): void {
  const result = spawnSync("cp", [
    "-a",
    "--reflink=auto",
    `${from}${fs.statSync(from).isDirectory() ? "/." : ""}`,
    to,
  ]);
  if (result.status !== 0) throw new Error(`cp -a ${from} ${to}: ${result.stderr.toString()}`);
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export class WorkflowRunner {
  private jobCount = 0;

  constructor(
    private readonly settings: RunnerSettings,
    private readonly workflow: Workflow,
    private readonly run: WorkflowRunState,
  ) {}

  private contexts(extra: Record<string, Value>): EvaluationContext["contexts"] {
    return {
      github: this.run.github,
      vars: this.settings.vars,
      secrets: { GITHUB_TOKEN: "rehearsal-token" },
      inputs: this.run.inputs,
      needs: this.run.needs as unknown as Value,
      runner: { os: "Linux", arch: "X64" },
      env: {},
      matrix: {},
      steps: {},
      job: {},
      strategy: {},
      ...extra,
    };
  }

  /** Runs every job; returns their records. */
  async runAll(): Promise<JobRecord[]> {
    const records: JobRecord[] = [];
    for (const job of this.workflow.jobs) {
      const neededOk = job.needs.every((n) => this.run.needs[n]?.result === "success");
      const status = neededOk ? "success" : "failure";
      const base = this.contexts({});
      if (!condition(job.if, { contexts: base, status })) {
        this.run.needs[job.id] = { result: "skipped", outputs: {} };
        records.push({
          run: this.run.label,
          job: job.id,
          result: "skipped",
          seconds: 0,
          steps: [],
          note: `if: ${job.if ?? "success()"}`,
        });
        this.settings.log(
          `── ${this.run.label} / ${job.id}: skipped (if: ${job.if ?? "a needed job did not succeed"})`,
        );
        continue;
      }
      const matrix = this.expandMatrix(job, base);
      let failed = false;
      let outputs: Record<string, string> = {};
      for (const entry of matrix) {
        const name = job.name
          ? interpolate(job.name, { contexts: this.contexts({ matrix: entry }) })
          : job.id;
        if (failed && job.strategy?.["fail-fast"] !== false) {
          records.push({
            run: this.run.label,
            job: name,
            result: "cancelled",
            seconds: 0,
            steps: [],
            note: "fail-fast",
          });
          continue;
        }
        const record = await this.runJob(job, name, entry);
        records.push(record.record);
        if (record.record.result !== "success") failed = true;
        outputs = { ...outputs, ...record.outputs };
      }
      this.run.needs[job.id] = { result: failed ? "failure" : "success", outputs };
    }
    return records;
  }

  private expandMatrix(job: Job, contexts: EvaluationContext["contexts"]): Record<string, Value>[] {
    const matrix = job.strategy?.matrix;
    if (!matrix) return [{}];
    const values = interpolateValue(matrix, { contexts }) as Record<string, Value>;
    let entries: Record<string, Value>[] = [{}];
    for (const [key, list] of Object.entries(values)) {
      if (!Array.isArray(list)) throw new Error(`${job.id}: matrix ${key} is not a list: ${toText(list)}`);
      entries = entries.flatMap((e) => list.map((v) => ({ ...e, [key]: v })));
    }
    return entries;
  }

  private async runJob(
    job: Job,
    name: string,
    matrix: Record<string, Value>,
  ): Promise<{ record: JobRecord; outputs: Record<string, string> }> {
    const started = Date.now();
    const repo = toText(this.run.github.repository).split("/")[1];
    const where = layout(job, repo);
    const root = new JobRoot(
      this.settings.base,
      path.join(this.settings.jobsDir, `${String(++this.jobCount).padStart(2, "0")}-${job.id}`),
    );
    const summaryFile = path.join(this.run.artifactsDir, "..", "summaries", `${job.id}-${this.jobCount}.md`);
    fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
    const state = new JobState(
      root,
      this.run,
      where.workspace,
      where.home,
      where.temp,
      this.settings.binds,
      summaryFile,
    );
    const github = { ...this.run.github, workspace: where.workspace, job: job.id };
    const jobContexts = this.contexts({ github, matrix });
    const workflowEnv = interpolateValue(this.workflow.env, { contexts: jobContexts }) as Record<
      string,
      Value
    >;
    const jobEnv = interpolateValue(job.env ?? {}, {
      contexts: { ...jobContexts, env: workflowEnv },
    }) as Record<string, Value>;
    const env = Object.fromEntries(
      Object.entries({ ...workflowEnv, ...jobEnv }).map(([k, v]) => [k, toText(v)]),
    );
    const environment = job.environment
      ? ` — GitHub environment ${interpolate(job.environment, { contexts: jobContexts })} (its protection rules: approved at once)`
      : "";
    this.settings.log(
      `\n══ ${this.run.label} / ${name} — ${job.container ? `container ${job.container}` : `${job["runs-on"]} (stand-in: the same root)`}${environment}`,
    );
    try {
      for (const step of job.steps) await this.runStep(job, state, step, github, matrix, env);
    } finally {
      await root.remove();
    }
    const outputs = Object.fromEntries(
      Object.entries(job.outputs ?? {}).map(([k, v]) => [
        k,
        interpolate(v, {
          contexts: this.contexts({ github, matrix, steps: state.steps as unknown as Value }),
        }),
      ]),
    );
    const result = state.failed ? "failure" : "success";
    const seconds = (Date.now() - started) / 1000;
    this.settings.log(`══ ${name}: ${result} in ${seconds.toFixed(0)} s`);
    return { record: { run: this.run.label, job: name, result, seconds, steps: state.records }, outputs };
  }

  private async runStep(
    job: Job,
    state: JobState,
    step: Step,
    github: Record<string, Value>,
    matrix: Record<string, Value>,
    jobEnv: Record<string, string>,
  ): Promise<void> {
    const started = Date.now();
    const contexts = () =>
      this.contexts({
        github,
        matrix,
        steps: state.steps as unknown as Value,
        env: { ...jobEnv, ...state.env },
      });
    const evaluation: EvaluationContext = {
      contexts: contexts(),
      status: state.failed ? "failure" : "success",
      hashFiles: (...paths) => hashFiles(state, paths),
    };
    const stepEnv = Object.fromEntries(
      Object.entries(interpolateValue(step.env ?? {}, evaluation) as Record<string, Value>).map(([k, v]) => [
        k,
        toText(v),
      ]),
    );
    const env = { ...jobEnv, ...state.env, ...stepEnv };
    const label = interpolate(stepLabel(step), { ...evaluation, contexts: { ...evaluation.contexts, env } });
    const record = (r: Omit<StepRecord, "label" | "seconds">) => {
      const full = { label, seconds: (Date.now() - started) / 1000, ...r };
      state.records.push(full);
      if (step.id)
        state.steps[step.id] = {
          outputs: state.steps[step.id]?.outputs ?? {},
          outcome: r.outcome,
          conclusion: r.outcome,
        };
      if (r.outcome === "failure") state.failed = true;
      const mark = { ran: "✓", "stand-in": "≈", skipped: "–", "condition-false": "·" }[r.how];
      this.settings.log(
        `${r.outcome === "failure" ? "✗" : mark} ${label}${r.note ? ` — ${r.note}` : ""} (${full.seconds.toFixed(0)} s)`,
      );
    };
    if (!condition(step.if, evaluation))
      return record({ how: "condition-false", outcome: "skipped", note: `if: ${step.if ?? "success()"}` });
    this.settings.log(`▶ ${label}`);

    if (step.uses) {
      const w = interpolateValue(step.with ?? {}, {
        ...evaluation,
        contexts: { ...evaluation.contexts, env },
      }) as Record<string, Value>;
      if (actionName(step.uses) === GITHUB_SCRIPT) {
        const code = await this.githubScript(state, toText(w.script ?? null), env);
        return record({
          how: "stand-in",
          outcome: code === 0 ? "success" : "failure",
          note: "script run against a stand-in GitHub client (calls printed above)",
        });
      }
      const standIn = actionStandIn(step.uses);
      if (!standIn)
        return record({ how: "skipped", outcome: "failure", note: `no stand-in for ${step.uses}` });
      try {
        const note = await standIn({
          job: state,
          definition: job,
          with: w,
          env,
          settings: this.settings,
          log: this.settings.log,
        });
        return record({ how: "stand-in", outcome: "success", note });
      } catch (error) {
        if (!(error instanceof StandInFailure)) throw error;
        return record({ how: "stand-in", outcome: "failure", note: error.message });
      }
    }

    const script = interpolate(step.run ?? "", { ...evaluation, contexts: { ...evaluation.contexts, env } });
    const replacement = RUN_REPLACEMENTS.find((r) => r.match.test(script));
    if (replacement?.action === "skip")
      return record({ how: "skipped", outcome: "success", note: `not run: ${replacement.reason}` });
    if (replacement) {
      try {
        const note = await replacement.action({
          job: state,
          definition: job,
          with: {},
          env,
          settings: this.settings,
          log: this.settings.log,
        });
        return record({ how: "stand-in", outcome: "success", note: `${replacement.reason}: ${note}` });
      } catch (error) {
        if (!(error instanceof StandInFailure)) throw error;
        return record({ how: "stand-in", outcome: "failure", note: error.message });
      }
    }
    const npmCi = script.trim() === "npm ci" ? this.npmCiKey(state) : undefined;
    const replay = npmCi && this.settings.npmCiSnapshots.get(npmCi);
    if (replay) {
      copyTree(replay.dir, state.root.hostPath(state.workspace));
      return record({
        how: "stand-in",
        outcome: "success",
        note: `replayed: \`npm ci\` of the same lockfile on the same Node ran for real in ${replay.job}; its files (node_modules/, .build/) copied`,
      });
    }
    const before = npmCi ? new Set(fs.readdirSync(state.root.hostPath(state.workspace))) : undefined;
    const code = await this.shell(state, script, env, step.id);
    record({
      how: "ran",
      outcome: code === 0 ? "success" : "failure",
      note: code === 0 ? undefined : `exit code ${code}`,
    });
    if (npmCi && before && code === 0) {
      const dir = path.join(this.settings.jobsDir, "npm-ci", npmCi);
      const workspace = state.root.hostPath(state.workspace);
      fs.mkdirSync(dir, { recursive: true });
      for (const entry of fs.readdirSync(workspace).filter((e) => !before.has(e)))
        copyTree(path.join(workspace, entry), path.join(dir, entry));
      this.settings.npmCiSnapshots.set(npmCi, { dir, job: `${this.run.label} / ${job.id}` });
    }

    // After a synth in a job whose credentials stood in for a role: the stacks go to the emulator, not AWS.
    if (code === 0 && state.assumedRole && /\bcdkt[fn] synth\b/.test(script)) {
      const at = Date.now();
      const prepared = await this.inRoot(
        state,
        ["npx", "tsx", "rehearsal/aws-standin.ts", this.settings.aws.endpoint],
        env,
      );
      state.records.push({
        label: "(rehearsal) stacks pointed at the emulator",
        how: "stand-in",
        outcome: prepared === 0 ? "success" : "failure",
        seconds: (Date.now() - at) / 1000,
        note: "an AWS account and the registry's 6.x provider stand-in: moto and the root's 5.x mirror (rehearsal/aws-standin.ts)",
      });
      if (prepared !== 0) state.failed = true;
      this.settings.log(
        `${prepared === 0 ? "≈" : "✗"} (rehearsal) stacks pointed at the emulator and the root's provider mirror`,
      );
    }
  }

  /**
   * What decides an `npm ci`'s result here: the lockfile, package.json and the root's Node (node_modules holds no
   * absolute path, so the container's and the runner's workspaces share it).
   */
  private npmCiKey(state: JobState): string {
    const hash = createHash("sha256").update(`${this.settings.nodeMajor}\n`);
    for (const file of ["package.json", "package-lock.json"])
      hash.update(fs.readFileSync(state.root.readable(path.posix.join(state.workspace, file))));
    return hash.digest("hex").slice(0, 16);
  }

  /** The environment every step gets: the runner's variables, the host's TLS settings, PATH with additions. */
  private baseEnv(state: JobState, files: Record<string, string>): Record<string, string> {
    const github = this.run.github;
    return {
      ...this.settings.hostEnv,
      HOME: state.home,
      PATH: [...state.path, PATH].join(":"),
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKFLOW: this.workflow.name,
      GITHUB_EVENT_NAME: toText(github.event_name),
      GITHUB_REPOSITORY: toText(github.repository),
      GITHUB_REPOSITORY_OWNER: toText(github.repository).split("/")[0],
      GITHUB_SHA: toText(github.sha),
      GITHUB_REF: toText(github.ref),
      GITHUB_RUN_ID: toText(github.run_id),
      GITHUB_RUN_NUMBER: "1",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_API_URL: "https://api.github.com",
      GITHUB_WORKSPACE: state.workspace,
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      RUNNER_TEMP: state.runnerTemp,
      ...files,
    };
  }

  private async inRoot(state: JobState, argv: string[], env: Record<string, string>): Promise<number> {
    const files = state.nextStepFiles();
    const code = await state.root.run(argv, {
      env: { ...this.baseEnv(state, files), ...env },
      cwd: state.workspace,
      binds: state.binds,
    });
    state.collect(files);
    return code;
  }

  /** A `run:` script, as GitHub runs it when no shell is given: `bash -e <file>`. */
  private async shell(
    state: JobState,
    script: string,
    env: Record<string, string>,
    id?: string,
  ): Promise<number> {
    const file = path.posix.join(state.runnerTemp, `step-${Date.now()}.sh`);
    fs.writeFileSync(state.root.hostPath(file), script);
    const files = state.nextStepFiles();
    const code = await state.root.run(["bash", "-e", file], {
      env: { ...this.baseEnv(state, files), ...env },
      cwd: state.workspace,
      binds: state.binds,
    });
    const outputs = state.collect(files);
    if (id) state.steps[id] = { outputs, outcome: "", conclusion: "" };
    return code;
  }

  private async githubScript(state: JobState, script: string, env: Record<string, string>): Promise<number> {
    const file = path.posix.join(state.runnerTemp, `github-script-${Date.now()}.js`);
    fs.writeFileSync(state.root.hostPath(file), script);
    const github = this.run.github;
    const [owner, repo] = toText(github.repository).split("/");
    const context = {
      eventName: github.event_name,
      sha: github.sha,
      ref: github.ref,
      runId: github.run_id,
      payload: github.event,
      repo: { owner, repo },
      issue: {
        owner,
        repo,
        number: (github.event as { pull_request?: { number?: number } })?.pull_request?.number,
      },
    };
    return this.inRoot(state, ["node", "rehearsal/github-script-harness.js", file], {
      ...env,
      REHEARSAL_GITHUB_CONTEXT: JSON.stringify(context),
    });
  }
}
