/**
 * `npm run plan`: every selected stack → `terraform init`, `terraform plan -out`, `terraform show -json`
 * (several stacks at once, results settled in dependency order) → one summary (markdown + JSON) for all of
 * them, and a record per stack that `npm run apply` checks before applying. Exit code as `terraform plan -detailed-exitcode`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { phaseAccess, readAccountFacts, type AccountOptions } from "./account";
import { defaultConcurrency, mapLimited, oneAtATime } from "./concurrency";
import { readStacks, selectStacks, type StackInfo } from "./manifest";
import {
  LOCK_FILE,
  clearPlan,
  hashStackDirectory,
  planPaths,
  writeRecord,
  type PlanRecord,
  type StackStatus,
} from "./plan-store";
import { waitingUpstreams } from "./remote-state";
import { analyzePlan, summaryWithoutPlan, type TerraformPlanJson } from "./summary/analyze";
import { renderMarkdown } from "./summary/markdown";
import { summarize, type PlanSummary, type StackSummary } from "./summary/model";
import { describeErrors, parseDiagnostics, runTerraform, type TerraformOptions } from "./terraform";
import { stackReads, upstreamReadsOf } from "./upstream-guard";

export interface PlanOptions {
  /** The synth output directory holding `manifest.json`. */
  readonly outdir: string;
  /** Stack globs (`myblog-dev-*`); all stacks when empty. @default [] */
  readonly globs?: readonly string[];
  /** Plan with `-refresh-only`: report drift instead of configuration changes. @default false */
  readonly refreshOnly?: boolean;
  readonly terraform?: TerraformOptions;
  /** Progress lines (the CLI prints them on stderr). @default no output */
  readonly log?: (line: string) => void;
  /** Passed to the markdown renderer. @default 60000 */
  readonly maxLength?: number;
  /** Stacks planned at once. @default the number of CPUs, at most 4 */
  readonly concurrency?: number;
  /** How the role and account of a stack with an account block are found. @default the process's */
  readonly accounts?: AccountOptions;
}

export interface PlanRunResult {
  readonly summary: PlanSummary;
  readonly markdown: string;
  /** 0 no changes, 2 changes (or stacks waiting on an upstream), 1 a stack failed. */
  readonly exitCode: 0 | 1 | 2;
  readonly markdownPath: string;
  readonly jsonPath: string;
}

export const SUMMARY_FILES = { markdown: "plan-summary.md", json: "plan-summary.json" } as const;

const LOCK_TIMEOUT = "-lock-timeout=300s";

interface StackOutcome {
  readonly summary: StackSummary;
  readonly record: PlanRecord;
}

/** What Terraform said about one stack, before it is put beside its upstreams' results. */
interface StackRun {
  readonly status: StackStatus;
  readonly extra: Partial<PlanRecord>;
  readonly plan?: TerraformPlanJson;
}

/** Where a stack directory remembers what it was last initialised for (inside Terraform's own `.terraform/`). */
const INIT_MARKER = path.join(".terraform", "blog-pipeline-init.sha256");

/**
 * What `terraform init` depends on: the stack's `terraform` block (backend, required providers) and the CLI
 * configuration (provider installation). While it is unchanged and the lock file is there, init has nothing to do.
 */
function initFingerprint(cwd: string, terraform: TerraformOptions | undefined): string {
  const stack = JSON.parse(fs.readFileSync(path.join(cwd, "cdk.tf.json"), "utf8")) as { terraform?: unknown };
  const cliConfig = terraform?.env?.TF_CLI_CONFIG_FILE;
  const hash = createHash("sha256").update(JSON.stringify(stack.terraform ?? null));
  if (cliConfig && fs.existsSync(cliConfig)) hash.update(fs.readFileSync(cliConfig));
  return hash.digest("hex");
}

function readInitMarker(cwd: string): string | undefined {
  const marker = path.join(cwd, INIT_MARKER);
  if (!fs.existsSync(marker) || !fs.existsSync(path.join(cwd, LOCK_FILE))) return undefined;
  return fs.readFileSync(marker, "utf8");
}

/** Whether a `plan -json` message stream reports changes made outside Terraform. */
function mentionsDrift(jsonLines: string): boolean {
  return jsonLines.split("\n").some((line) => line.includes('"type":"resource_drift"'));
}

/** init, plan, show for one stack; reads only the upstreams' applied state, never their plans. */
async function runStackPlan(stack: StackInfo, options: PlanOptions): Promise<StackRun> {
  const facts = readAccountFacts(stack);
  const access = facts ? await phaseAccess("plan", facts, options.accounts) : undefined;
  const run = await planWith(stack, {
    ...options,
    terraform: { ...options.terraform, env: { ...options.terraform?.env, ...access?.terraformEnv } },
  });
  return access ? { ...run, extra: { ...run.extra, account: access.account } } : run;
}

async function planWith(stack: StackInfo, options: PlanOptions): Promise<StackRun> {
  const cwd = stack.workingDirectory;
  const paths = planPaths(options.outdir, stack.name);
  const fingerprint = initFingerprint(cwd, options.terraform);
  if (readInitMarker(cwd) !== fingerprint) {
    const init = await oneAtATime(() =>
      runTerraform(["init", "-input=false", "-no-color"], cwd, options.terraform),
    );
    if (init.exitCode !== 0)
      return { status: "error", extra: { error: `terraform init failed:\n${describeErrors(init)}` } };
    fs.writeFileSync(path.join(cwd, INIT_MARKER), fingerprint);
  }
  const stackHash = hashStackDirectory(cwd);
  const lockFilePath = path.join(cwd, LOCK_FILE);
  const lockFile = fs.existsSync(lockFilePath) ? fs.readFileSync(lockFilePath, "utf8") : undefined;
  const planned = { stackHash, ...(lockFile !== undefined ? { lockFile } : {}) };

  const planArgs = [
    "plan",
    "-input=false",
    "-json",
    "-detailed-exitcode",
    LOCK_TIMEOUT,
    `-out=${paths.binary}`,
  ];
  if (options.refreshOnly) planArgs.push("-refresh-only");
  const plan = await runTerraform(planArgs, cwd, options.terraform);
  if (plan.exitCode !== 0 && plan.exitCode !== 2) {
    fs.rmSync(paths.binary, { force: true });
    const waitingOn = waitingUpstreams(parseDiagnostics(plan.stdout));
    if (waitingOn)
      return { status: "waiting", extra: { ...planned, waitingOn, error: describeErrors(plan) } };
    return { status: "error", extra: { ...planned, error: describeErrors(plan) } };
  }

  // Nothing to change and nothing drifted: the JSON document would say no more than the exit code did, and
  // `terraform show` starts the provider once more (seconds per stack).
  if (plan.exitCode === 0 && !options.refreshOnly && !mentionsDrift(plan.stdout))
    return { status: "no-changes", extra: planned };

  const show = await runTerraform(["show", "-json", "-no-color", paths.binary], cwd, options.terraform);
  if (show.exitCode !== 0)
    return {
      status: "error",
      extra: { ...planned, error: `terraform show failed:\n${describeErrors(show)}` },
    };
  fs.writeFileSync(paths.json, show.stdout);
  const status: StackStatus = plan.exitCode === 2 ? "changes" : "no-changes";
  const shown: unknown = JSON.parse(show.stdout);
  // What the saved plan read from its upstreams, so that the apply can refuse it once they have changed.
  const upstreamReads = upstreamReadsOf(shown, stackReads(stack));
  return { status, extra: { ...planned, upstreamReads }, plan: shown as TerraformPlanJson };
}

/** Puts one stack's run beside its upstreams' outcomes (all of them decided already, upstream first). */
function settle(
  stack: StackInfo,
  run: StackRun,
  options: PlanOptions,
  upstream: ReadonlyMap<string, StackSummary>,
): StackOutcome {
  const refreshOnly = options.refreshOnly ?? false;
  const base = { stack: stack.name, refreshOnly };
  const outcome = (
    status: StackStatus,
    extra: Partial<PlanRecord> = {},
    plan?: TerraformPlanJson,
    notes: string[] = [],
  ) => {
    const record: PlanRecord = { ...base, status, stackHash: "", waitingOn: [], ...extra };
    const analyzeOptions = {
      ...base,
      status,
      waitingOn: record.waitingOn,
      error: record.error,
      notes,
      account: record.account,
    };
    const summary = plan ? analyzePlan(plan, analyzeOptions) : summaryWithoutPlan(analyzeOptions);
    return { summary, record };
  };

  // An upstream that is itself waiting has no state yet, so this stack cannot read it either: whatever its
  // plan said, there is nothing reviewed to apply until the upstream is.
  const blocked = stack.dependencies.filter((d) => upstream.get(d)?.status === "waiting");
  if (blocked.length > 0) {
    clearPlan(options.outdir, stack.name);
    return outcome("waiting", { waitingOn: blocked, account: run.extra.account });
  }
  if (!run.plan) return outcome(run.status, run.extra);

  // Reads of outputs the upstream's own pending plan changes: this plan shows today's values, not tomorrow's.
  const reads = stackReads(stack);
  // Only a plan with changes is applied, and so checked against its upstreams (pipeline/upstream-guard.ts).
  const checked = run.status === "changes" && !options.refreshOnly;
  const notes = [...reads]
    .map(([name, outputs]) => ({
      name,
      pending: upstream.get(name)?.outputChanges.filter((o) => outputs.has(o)) ?? [],
    }))
    .filter((u) => u.pending.length > 0)
    .map(
      (u) =>
        `Reads ${u.pending.length} output(s) of \`${u.name}\` that its pending plan changes: this plan uses the ` +
        `current values${checked ? `, and \`npm run apply\` refuses it once \`${u.name}\` has changed them` : ""}; ` +
        `plan again after \`${u.name}\` is applied.`,
    );
  return outcome(run.status, run.extra, run.plan, notes);
}

export async function planStacks(options: PlanOptions): Promise<PlanRunResult> {
  const log = options.log ?? (() => undefined);
  const selected = selectStacks(readStacks(options.outdir), options.globs ?? []);
  for (const stack of selected) clearPlan(options.outdir, stack.name);

  // Every selected stack is planned at once (bounded): a plan reads its upstreams' applied state, not their
  // plans, so a chain of stacks plans in parallel too. Their results are then settled upstream first.
  const runs = await mapLimited(selected, options.concurrency ?? defaultConcurrency(), async (stack) => {
    log(`planning ${stack.name}${options.refreshOnly ? " (refresh-only)" : ""} …`);
    return runStackPlan(stack, options);
  });
  const summaries = new Map<string, StackSummary>();
  selected.forEach((stack, index) => {
    const { summary, record } = settle(stack, runs[index], options, summaries);
    writeRecord(options.outdir, record);
    summaries.set(stack.name, summary);
    const extra = summary.waitingOn.length > 0 ? ` on ${summary.waitingOn.join(", ")}` : "";
    log(`  ${stack.name}: ${summary.status}${extra}`);
  });

  const summary = summarize([...summaries.values()]);
  const markdown = renderMarkdown(summary, { maxLength: options.maxLength });
  const markdownPath = path.join(options.outdir, SUMMARY_FILES.markdown);
  const jsonPath = path.join(options.outdir, SUMMARY_FILES.json);
  fs.writeFileSync(markdownPath, markdown);
  fs.writeFileSync(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, markdown, exitCode: planExitCode(summary), markdownPath, jsonPath };
}

export function planExitCode(summary: PlanSummary): 0 | 1 | 2 {
  if (summary.stacks.some((s) => s.status === "error")) return 1;
  return summary.stacks.some((s) => s.status === "changes" || s.status === "waiting") ? 2 : 0;
}
