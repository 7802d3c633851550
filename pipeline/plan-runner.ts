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
import { changeScope, type ChangeScope, type ScopeDecision, type SynthInputs } from "./change-scope";
import { UsageError } from "./errors";
import { dependantsOf, readStacks, selectStacks, type StackInfo } from "./manifest";
import {
  LOCK_FILE,
  clearPlan,
  hashStackDirectory,
  planPaths,
  writeRecord,
  type PlanRecord,
  type StackStatus,
} from "./plan-store";
import { clearProvisional, planProvisionally, type UpstreamInput } from "./provisional";
import { waitingUpstreams } from "./remote-state";
import { analyzePlan, summaryWithoutPlan, type TerraformPlanJson } from "./summary/analyze";
import type { StackSource } from "./summary/documents";
import { renderMarkdown } from "./summary/markdown";
import { destroyFacts, refusalMessage, type DestroyFacts, type TeardownContext } from "./summary/teardown";
import { summarize, type PlanSummary, type ProvisionalSummary, type StackSummary } from "./summary/model";
import { describeErrors, parseDiagnostics, runTerraform, type TerraformOptions } from "./terraform";
import { stackReads, upstreamReadsOf } from "./upstream-guard";

export interface PlanOptions {
  /** The synth output directory holding `manifest.json`. */
  readonly outdir: string;
  /** Stack globs (`myblog-dev-*`); all stacks when empty. @default [] */
  readonly globs?: readonly string[];
  /** Plan with `-refresh-only`: report drift instead of configuration changes. @default false */
  readonly refreshOnly?: boolean;
  /**
   * Plan with `-destroy`: every resource of the selected stacks deleted (applied downstream first by `npm run apply`).
   * A stack whose destroy a protection would stop half-way (summary/teardown.ts) fails to plan with the refusal, and
   * the selection must hold every dependant of each stack. @default false
   */
  readonly destroy?: boolean;
  readonly terraform?: TerraformOptions;
  /** Progress lines (the CLI prints them on stderr). @default no output */
  readonly log?: (line: string) => void;
  /** Passed to the markdown renderer. @default 60000 */
  readonly maxLength?: number;
  /** Stacks planned at once. @default the number of CPUs, at most 4 */
  readonly concurrency?: number;
  /** How the role and account of a stack with an account block are found. @default the process's */
  readonly accounts?: AccountOptions;
  /**
   * Plan a stack whose upstream has no state yet with provisional upstream outputs instead of reporting it as
   * waiting (pipeline/provisional.ts); such a plan can never be applied. Never for refresh-only plans. @default true
   */
  readonly provisional?: boolean;
  /**
   * Plan only where a change lands: compare with the base's synth output and leave the stacks unchanged since it
   * as `not-planned` (pipeline/change-scope.ts). @default every selected stack is planned
   */
  readonly changeScope?: {
    /** The base commit's synth output (with its synth-inputs.json); none makes every stack planned, saying why. */
    readonly baseOutdir?: string;
    /** How the base is named in the summary (a short commit). */
    readonly base: string;
    /** What this synth output was made from (change-scope.ts `synthInputsOf`). */
    readonly headInputs: SynthInputs;
    /** Plan every stack anyway (`--all`). @default false */
    readonly all?: boolean;
  };
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
  /** A destroy plan's facts (summary/teardown.ts). */
  readonly destroy?: DestroyFacts;
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

/** The Terraform options of a stack's plan: with its account's plan role when its environment has an account. */
async function stackAccess(stack: StackInfo, options: PlanOptions) {
  const facts = readAccountFacts(stack);
  const access = facts ? await phaseAccess("plan", facts, options.accounts) : undefined;
  const terraform = { ...options.terraform, env: { ...options.terraform?.env, ...access?.terraformEnv } };
  return { terraform, account: access?.account };
}

/** init, plan, show for one stack; reads only the upstreams' applied state, never their plans. */
async function runStackPlan(stack: StackInfo, options: PlanOptions): Promise<StackRun> {
  const { terraform, account } = await stackAccess(stack, options);
  const run = await planWith(stack, { ...options, terraform });
  return account ? { ...run, extra: { ...run.extra, account } } : run;
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
  if (options.destroy) planArgs.push("-destroy");
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
  if (options.destroy) return destroyRun(stack, status, planned, shown as TerraformPlanJson, paths.binary);
  // What the saved plan read from its upstreams, so that the apply can refuse it once they have changed.
  const upstreamReads = upstreamReadsOf(shown, stackReads(stack));
  return { status, extra: { ...planned, upstreamReads }, plan: shown as TerraformPlanJson };
}

/** The environment a stack belongs to, as the synth recorded it (`locals.stack_facts`), else from its name. */
function environmentOf(stack: StackInfo): string {
  const json = JSON.parse(fs.readFileSync(stack.synthesizedStackPath, "utf8")) as {
    locals?: { stack_facts?: { environment?: unknown } };
  };
  const recorded = json.locals?.stack_facts?.environment;
  if (typeof recorded === "string") return recorded;
  const parts = stack.name.split("-");
  return parts.length >= 3 ? parts[parts.length - 2] : "<env>";
}

/**
 * A destroy plan: what it deletes and what outlives it go into the summary; a protection that would stop the apply
 * half-way refuses it here, before anything is applied (its plan file is removed, its record says why). A destroy
 * applies no upstream value (it deletes what the state holds), so no upstream reads are recorded.
 */
function destroyRun(
  stack: StackInfo,
  status: StackStatus,
  planned: Partial<PlanRecord>,
  plan: TerraformPlanJson,
  binary: string,
): StackRun {
  const source = JSON.parse(fs.readFileSync(stack.synthesizedStackPath, "utf8")) as {
    resource?: TeardownContext["resources"];
  };
  const facts = destroyFacts(plan, { environment: environmentOf(stack), resources: source.resource });
  const extra = { ...planned, destroy: true as const };
  if (facts.protections.length === 0) return { status, extra, plan, destroy: facts };
  fs.rmSync(binary, { force: true });
  return {
    status: "error",
    extra: { ...extra, error: refusalMessage(stack.name, facts) },
    plan,
    destroy: facts,
  };
}

/** A stack's summary and record from what it ended with (status, record fields, plan document, notes). */
function outcomeOf(
  stack: StackInfo,
  options: PlanOptions,
  status: StackStatus,
  extra: Partial<PlanRecord> = {},
  plan?: TerraformPlanJson,
  more: {
    readonly notes?: string[];
    readonly provisional?: ProvisionalSummary;
    readonly destroy?: DestroyFacts;
  } = {},
): StackOutcome {
  const refreshOnly = options.refreshOnly ?? false;
  const base = { stack: stack.name, refreshOnly };
  const record: PlanRecord = {
    ...base,
    status,
    stackHash: "",
    waitingOn: [],
    ...(options.destroy ? { destroy: true as const } : {}),
    ...extra,
  };
  const analyzeOptions = {
    ...base,
    status,
    waitingOn: record.waitingOn,
    error: record.error,
    notes: more.notes ?? [],
    account: record.account,
    provisional: more.provisional,
    destroy: more.destroy,
    source: plan ? stackSource(stack, options.outdir) : undefined,
  };
  const summary = plan ? analyzePlan(plan, analyzeOptions) : summaryWithoutPlan(analyzeOptions);
  return { summary, record };
}

/** The stack's synthesized resources and its upstreams' output expressions, for the policy documents. */
function stackSource(stack: StackInfo, outdir: string): StackSource {
  const read = (file: string) =>
    JSON.parse(fs.readFileSync(file, "utf8")) as {
      resource?: StackSource["resources"];
      output?: Record<string, { value?: unknown }>;
    };
  const byName = new Map(readStacks(outdir).map((s) => [s.name, s]));
  const upstreamOutputs = new Map<string, Record<string, string>>();
  for (const dep of stack.dependencies) {
    const upstream = byName.get(dep);
    if (!upstream) continue;
    const outputs = read(upstream.synthesizedStackPath).output ?? {};
    upstreamOutputs.set(
      dep,
      Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, String(o.value)])),
    );
  }
  return { resources: read(stack.synthesizedStackPath).resource ?? {}, upstreamOutputs };
}

/** Whether an upstream's outcome leaves nothing a downstream plan could be applied against yet. */
const unapplied = (summary: StackSummary | undefined) =>
  summary?.status === "waiting" || summary?.provisional !== undefined;

/** Puts one stack's run beside its upstreams' outcomes (all of them decided already, upstream first). */
function settle(
  stack: StackInfo,
  run: StackRun,
  options: PlanOptions,
  upstream: ReadonlyMap<string, StackSummary>,
): StackOutcome {
  // An upstream that is waiting or planned provisionally has no state this stack could be applied against yet:
  // whatever its plan said, there is nothing reviewed to apply until the upstream is.
  const blocked = stack.dependencies.filter((d) => unapplied(upstream.get(d)));
  if (blocked.length > 0) {
    clearPlan(options.outdir, stack.name);
    return outcomeOf(stack, options, "waiting", { waitingOn: blocked, account: run.extra.account });
  }
  if (!run.plan) return outcomeOf(stack, options, run.status, run.extra);
  if (options.destroy)
    return outcomeOf(stack, options, run.status, run.extra, run.plan, { destroy: run.destroy });

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
  return outcomeOf(stack, options, run.status, run.extra, run.plan, { notes });
}

/** The outputs a plan's prior state holds (what a downstream plan could read now). */
interface PlanWithPriorOutputs {
  readonly prior_state?: { readonly values?: { readonly outputs?: Readonly<Record<string, unknown>> } };
}

/** What every stack settled so far leaves for a provisional plan of a downstream one. */
interface Settled {
  readonly summaries: Map<string, StackSummary>;
  /** Plan documents of this run, by stack (real or provisional). */
  readonly plans: Map<string, UpstreamInput["plan"]>;
}

/**
 * A waiting stack planned with provisional upstream outputs (pipeline/provisional.ts), or undefined when an
 * upstream it waits on failed or waits itself without a plan to take outputs from. Upstreams not planned in
 * this run give stand-ins for every output.
 */
async function planWaitingProvisionally(
  stack: StackInfo,
  waiting: StackOutcome,
  options: PlanOptions,
  settled: Settled,
): Promise<StackOutcome | undefined> {
  const all = new Map(readStacks(options.outdir).map((s) => [s.name, s]));
  const inputFor = (name: string): UpstreamInput | undefined => {
    const upstream = all.get(name);
    const summary = settled.summaries.get(name);
    if (!upstream) return undefined;
    if (!summary) return { stack: upstream, standIns: [] };
    const plan = settled.plans.get(name);
    if (!plan) return undefined;
    return { stack: upstream, plan, standIns: summary.provisional?.standIns ?? [] };
  };
  // Besides the upstreams Terraform named, every upstream of this run whose state lacks an output this stack
  // reads (a fresh upstream's plan has no prior outputs at all): one try instead of one per upstream.
  const reads = stackReads(stack);
  const lacking = [...reads]
    .filter(([name, outputs]) => {
      const plan = settled.plans.get(name) as PlanWithPriorOutputs | undefined;
      const prior = plan?.prior_state?.values?.outputs ?? {};
      return plan !== undefined && [...outputs].some((o) => !Object.hasOwn(prior, o));
    })
    .map(([name]) => name);
  let waitingOn = [...new Set([...waiting.record.waitingOn, ...lacking])].sort();
  const { terraform, account } = await stackAccess(stack, options);
  // A plan may name only some of the upstreams it cannot read; each try adds those it named.
  for (let attempt = 0; attempt <= stack.dependencies.length; attempt++) {
    const inputs = waitingOn.map(inputFor);
    if (inputs.some((i) => i === undefined)) return undefined;
    const run = await planProvisionally(stack, inputs as UpstreamInput[], options.outdir, terraform);
    if (run.status === "waiting") {
      const more = run.waitingOn.filter((u) => !waitingOn.includes(u));
      if (more.length === 0) return undefined;
      waitingOn = [...waitingOn, ...more].sort();
      continue;
    }
    // Terraform's "no state" errors of the first try are not this plan's: only its own error is kept.
    const extra = {
      ...waiting.record,
      error: undefined,
      waitingOn: [],
      provisional: { upstreams: waitingOn },
      account,
    };
    const provisional = { upstreams: waitingOn, fromPlans: run.fromPlans, standIns: run.standIns };
    if (run.status === "error")
      return outcomeOf(stack, options, "error", { ...extra, error: run.error }, undefined, { provisional });
    fs.writeFileSync(planPaths(options.outdir, stack.name).json, run.showJson!);
    const plan = JSON.parse(run.showJson!) as TerraformPlanJson;
    settled.plans.set(stack.name, plan);
    return outcomeOf(stack, options, run.status, extra, plan, { provisional });
  }
  return undefined;
}

/** Which stacks a change-scoped plan plans, and why (pipeline/change-scope.ts); undefined when not scoped. */
function scopeOf(options: PlanOptions, selected: readonly StackInfo[]): ChangeScope | undefined {
  const scoped = options.changeScope;
  if (!scoped) return undefined;
  if (scoped.all) {
    const full = "`--all` was given";
    return {
      base: scoped.base,
      full,
      stacks: selected.map((s) => ({ stack: s.name, planned: true, reasons: [full] })),
    };
  }
  return changeScope(scoped.baseOutdir, options.outdir, scoped.headInputs, scoped.base, selected);
}

/** A planned stack's outcome with the reason it was planned (its summary says why). */
function withScope(outcome: StackOutcome, decision: ScopeDecision | undefined): StackOutcome {
  if (!decision) return outcome;
  return { ...outcome, summary: { ...outcome.summary, scope: { planned: true, reasons: decision.reasons } } };
}

/**
 * A stack unchanged since the base: not planned. Its record keeps the hash of what it was then, so that the
 * apply refuses it if it has changed since all the same (a stack that changed but was not planned).
 */
function notPlanned(
  stack: StackInfo,
  options: PlanOptions,
  decision: ScopeDecision,
  base: string,
): StackOutcome {
  const outcome = outcomeOf(stack, options, "not-planned", {
    stackHash: hashStackDirectory(stack.workingDirectory, { withLockFile: false }),
    notPlanned: { base },
  });
  const reasons = [`unchanged since ${base}`, ...decision.reasons];
  return { ...outcome, summary: { ...outcome.summary, scope: { planned: false, reasons } } };
}

/** Stacks by depth in the dependency graph among `selected` (upstream first): each level plans at once. */
function levels(selected: readonly StackInfo[]): StackInfo[][] {
  const depth = new Map<string, number>();
  for (const stack of selected)
    depth.set(stack.name, Math.max(-1, ...stack.dependencies.map((d) => depth.get(d) ?? -1)) + 1);
  const result: StackInfo[][] = [];
  for (const stack of selected) (result[depth.get(stack.name)!] ??= []).push(stack);
  return result.filter(Boolean);
}

export async function planStacks(options: PlanOptions): Promise<PlanRunResult> {
  const log = options.log ?? (() => undefined);
  const all = readStacks(options.outdir);
  const selected = selectStacks(all, options.globs ?? []);
  if (options.destroy) checkDestroySelection(all, selected);
  if (options.destroy && options.changeScope)
    throw new UsageError(
      "a destroy plan deletes every selected stack: it takes no base (--base-ref, --base)",
    );
  for (const stack of selected) clearPlan(options.outdir, stack.name);
  clearProvisional(options.outdir);
  const concurrency = options.concurrency ?? defaultConcurrency();
  const scope = scopeOf(options, selected);
  const decision = new Map(scope?.stacks.map((d) => [d.stack, d]));
  const toPlan = selected.filter((s) => decision.get(s.name)?.planned !== false);
  if (scope)
    log(
      scope.full
        ? `planning every stack: ${scope.full}`
        : `planning ${toPlan.length} of ${selected.length} stacks: the others are unchanged since ${scope.base}`,
    );

  // Every selected stack is planned at once (bounded): a plan reads its upstreams' applied state, not their
  // plans, so a chain of stacks plans in parallel too. Their results are then settled upstream first.
  const runs = await mapLimited(toPlan, concurrency, async (stack) => {
    log(`planning ${stack.name}${options.refreshOnly ? " (refresh-only)" : ""} …`);
    return runStackPlan(stack, options);
  });
  const runOf = new Map(toPlan.map((stack, index) => [stack.name, runs[index]]));
  const settled: Settled = { summaries: new Map(), plans: new Map() };
  const provisional = (options.provisional ?? true) && !options.refreshOnly && !options.destroy;
  // Level by level, so that a stack waiting on an upstream without state is planned with that upstream's
  // planned outputs (its plan is settled by then), several of a level at once.
  for (const level of levels(selected)) {
    const outcomes = await mapLimited(level, concurrency, async (stack) => {
      const run = runOf.get(stack.name);
      if (!run) return notPlanned(stack, options, decision.get(stack.name)!, scope!.base);
      const outcome = withScope(settle(stack, run, options, settled.summaries), decision.get(stack.name));
      if (!provisional || outcome.summary.status !== "waiting") return outcome;
      log(`planning ${stack.name} with provisional outputs of ${outcome.record.waitingOn.join(", ")} …`);
      const provisionally = await planWaitingProvisionally(stack, outcome, options, settled);
      return provisionally ? withScope(provisionally, decision.get(stack.name)) : outcome;
    });
    level.forEach((stack, index) => {
      const { summary, record } = outcomes[index];
      writeRecord(options.outdir, record);
      settled.summaries.set(stack.name, summary);
      const run = runOf.get(stack.name);
      if (run?.plan && !summary.provisional && summary.status !== "waiting")
        settled.plans.set(stack.name, run.plan);
      const extra = summary.provisional
        ? ` (provisional: ${summary.provisional.upstreams.join(", ")})`
        : summary.waitingOn.length > 0
          ? ` on ${summary.waitingOn.join(", ")}`
          : "";
      log(`  ${stack.name}: ${summary.status}${extra}`);
    });
  }

  clearProvisional(options.outdir);
  const summary = summarize(
    selected.map((stack) => settled.summaries.get(stack.name)!),
    scope ? { base: scope.base, ...(scope.full ? { full: scope.full } : {}) } : undefined,
    { destroy: options.destroy },
  );
  const markdown = renderMarkdown(summary, { maxLength: options.maxLength });
  const markdownPath = path.join(options.outdir, SUMMARY_FILES.markdown);
  const jsonPath = path.join(options.outdir, SUMMARY_FILES.json);
  fs.writeFileSync(markdownPath, markdown);
  fs.writeFileSync(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, markdown, exitCode: planExitCode(summary), markdownPath, jsonPath };
}

/**
 * A destroy must not leave a stack whose upstream is gone: every dependant of a selected stack is selected too
 * (`'myblog-prod-*'`, or the edge stack alone, but not the data stack without api, events and edge).
 */
function checkDestroySelection(all: readonly StackInfo[], selected: readonly StackInfo[]): void {
  const names = new Set(selected.map((s) => s.name));
  const missing = new Map<string, string[]>();
  for (const stack of selected)
    for (const dependant of dependantsOf(all, stack.name))
      if (!names.has(dependant)) missing.set(dependant, [...(missing.get(dependant) ?? []), stack.name]);
  if (missing.size === 0) return;
  const list = [...missing].map(([d, of]) => `${d} (reads ${of.join(", ")})`).join("; ");
  throw new UsageError(
    `a destroy of the selected stacks would leave stacks that read them: ${list}. Select them too, e.g. the ` +
      "environment's glob (`npm run plan -- --destroy '<app>-<env>-*'`).",
  );
}

export function planExitCode(summary: PlanSummary): 0 | 1 | 2 {
  if (summary.stacks.some((s) => s.status === "error")) return 1;
  return summary.stacks.some((s) => s.status === "changes" || s.status === "waiting") ? 2 : 0;
}
