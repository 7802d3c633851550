/**
 * `npm run apply`: applies exactly the plans `npm run plan` saved, upstream first. A plan is refused when
 * the stack directory no longer hashes to what was planned (the configuration changed after review) or
 * when Terraform reports it stale (the state moved on), or when the credentials at hand belong to another account
 * than the one it was planned in, or when an upstream output it read has changed since (pipeline/upstream-guard.ts);
 * a failed or refused stack's dependants are skipped.
 */
import * as fs from "fs";
import * as path from "path";
import { accountMismatch, phaseAccess, readAccountFacts, type AccountOptions } from "./account";
import { dependantsOf, readStacks, selectStacks, type StackInfo } from "./manifest";
import { LOCK_FILE, hashStackDirectory, planPaths, readRecord, type PlanRecord } from "./plan-store";
import { describeErrors, parseDiagnostics, runTerraform, type TerraformOptions } from "./terraform";
import { checkUpstreamReads } from "./upstream-guard";

export interface ApplyOptions {
  /** The synth output directory holding `manifest.json` and `plans/`. */
  readonly outdir: string;
  /** Stack globs; all stacks when empty. @default [] */
  readonly globs?: readonly string[];
  readonly terraform?: TerraformOptions;
  /** Progress lines (the CLI prints them on stderr). @default no output */
  readonly log?: (line: string) => void;
  /** How the role and account of a stack with an account block are found. @default the process's */
  readonly accounts?: AccountOptions;
}

export type ApplyStatus =
  /** Terraform applied the saved plan. */
  | "applied"
  /** The plan had nothing to do. */
  | "no-changes"
  /** Not planned because an upstream was not applied yet: plan it again now. */
  | "needs-plan"
  /** The saved plan does not match the stack any more (or is missing, or its plan failed). */
  | "refused"
  /** Terraform failed while applying. */
  | "failed"
  /** An upstream stack failed or was refused. */
  | "skipped";

export interface StackApplyResult {
  readonly stack: string;
  readonly status: ApplyStatus;
  readonly message: string;
}

export interface ApplyRunResult {
  readonly results: readonly StackApplyResult[];
  /** 0 when nothing failed or was refused, 1 otherwise. */
  readonly exitCode: 0 | 1;
}

const STALE_PLAN = /saved plan is stale/i;

async function applyStack(
  stack: StackInfo,
  record: PlanRecord | undefined,
  options: ApplyOptions,
): Promise<StackApplyResult> {
  const result = (status: ApplyStatus, message: string) => ({ stack: stack.name, status, message });
  const paths = planPaths(options.outdir, stack.name);
  if (!record)
    return result("refused", `no saved plan in ${path.dirname(paths.record)}: run \`npm run plan\` first`);
  if (record.provisional) {
    const upstreams = record.provisional.upstreams.map((u) => `\`${u}\``).join(", ");
    return result(
      "refused",
      `its plan is provisional: ${upstreams} had no state when it was planned, so it was planned with provisional ` +
        `outputs (planned values and stand-ins), and a provisional plan can never be applied. Apply ` +
        `${upstreams} first, then plan this stack again (\`npm run plan -- '${stack.name}'\`) and apply that plan.`,
    );
  }
  switch (record.status) {
    case "error":
      return result(
        "refused",
        `its plan failed, so there is nothing reviewed to apply:\n${record.error ?? ""}`,
      );
    case "waiting":
      return result(
        "needs-plan",
        `it was waiting on ${record.waitingOn.join(", ")} when planned: plan it again now`,
      );
    case "no-changes":
      return result("no-changes", "the reviewed plan had no changes");
    case "not-planned": {
      // Unchanged since the base when reviewed, so not planned: still so, or it changed and nobody saw a plan of it.
      const base = record.notPlanned?.base ?? "the base";
      const now = hashStackDirectory(stack.workingDirectory, { withLockFile: false });
      if (now === record.stackHash)
        return result("no-changes", `unchanged since ${base}, not planned: nothing to apply`);
      return result(
        "refused",
        `it changed but was not planned: the reviewed plan left it out as unchanged since ${base}, and its ` +
          `configuration is not what it was then (content hash ${now.slice(0, 12)} ≠ ${record.stackHash.slice(0, 12)}). ` +
          "Plan it (`npm run plan -- --all`), review the plan and apply that one.",
      );
    }
    case "changes":
      break;
  }
  if (!fs.existsSync(paths.binary)) return result("refused", `the plan file ${paths.binary} is missing`);

  // A fresh checkout (the deploy job) has no provider lock file yet: use the one the plan was made with.
  const lockFile = path.join(stack.workingDirectory, LOCK_FILE);
  if (record.lockFile !== undefined && !fs.existsSync(lockFile)) fs.writeFileSync(lockFile, record.lockFile);
  const hash = hashStackDirectory(stack.workingDirectory);
  if (hash !== record.stackHash) {
    return result(
      "refused",
      `the stack directory changed since it was planned (content hash ${hash.slice(0, 12)} ≠ planned ` +
        `${record.stackHash.slice(0, 12)}): this is not the configuration that was reviewed. Plan again.`,
    );
  }

  // The deploy role of the stack's account (or the job's credentials), checked against the account it was planned in.
  const facts = readAccountFacts(stack);
  const access = facts ? await phaseAccess("apply", facts, options.accounts) : undefined;
  if (record.account && access) {
    const mismatch = accountMismatch(record.account, access.account);
    if (mismatch) return result("refused", mismatch);
  } else if (record.account || access) {
    return result(
      "refused",
      "the plan and the stack disagree on whether its environment has an account: plan again",
    );
  }
  const terraform = { ...options.terraform, env: { ...options.terraform?.env, ...access?.terraformEnv } };

  const init = await runTerraform(
    ["init", "-input=false", "-no-color", "-lockfile=readonly"],
    stack.workingDirectory,
    terraform,
  );
  if (init.exitCode !== 0) return result("failed", `terraform init failed:\n${describeErrors(init)}`);
  // The upstream outputs the plan read must still be what they were: else it would apply the old values.
  const upstream = await checkUpstreamReads(stack, record, terraform);
  if (upstream) return result(upstream.status, upstream.message);
  const apply = await runTerraform(
    ["apply", "-input=false", "-json", "-lock-timeout=300s", paths.binary],
    stack.workingDirectory,
    terraform,
  );
  // A function whose new version CodeDeploy releases is released by the apply itself (its release resource,
  // lib/release.ts), as in a plain `cdktf deploy`: a rollback fails the apply with CodeDeploy's reason.
  if (apply.exitCode === 0) return result("applied", "applied the reviewed plan");
  const errors = parseDiagnostics(apply.stdout);
  if (errors.some((d) => STALE_PLAN.test(d.summary) || STALE_PLAN.test(d.detail))) {
    return result(
      "refused",
      `Terraform reports the plan stale (the state changed since it was planned): plan again.\n${describeErrors(apply)}`,
    );
  }
  return result("failed", describeErrors(apply));
}

export async function applyPlans(options: ApplyOptions): Promise<ApplyRunResult> {
  const log = options.log ?? (() => undefined);
  const all = readStacks(options.outdir);
  const selected = selectStacks(all, options.globs ?? []);
  const blockedBy = new Map<string, string>();
  const results: StackApplyResult[] = [];
  for (const stack of selected) {
    const blocker = blockedBy.get(stack.name);
    let result: StackApplyResult;
    if (blocker) {
      result = {
        stack: stack.name,
        status: "skipped",
        message: `not applied because upstream ${blocker} did not apply`,
      };
    } else {
      log(`applying ${stack.name} …`);
      result = await applyStack(stack, readRecord(options.outdir, stack.name), options);
    }
    if (result.status === "failed" || result.status === "refused" || result.status === "skipped") {
      for (const dependant of dependantsOf(all, stack.name))
        if (!blockedBy.has(dependant)) blockedBy.set(dependant, stack.name);
    }
    log(`  ${stack.name}: ${result.status}: ${result.message}`);
    results.push(result);
  }
  const exitCode = results.some(
    (r) => r.status === "failed" || r.status === "refused" || r.status === "skipped",
  )
    ? 1
    : 0;
  return { results, exitCode };
}
