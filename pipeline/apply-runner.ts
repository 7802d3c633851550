/**
 * `npm run apply`: applies exactly the plans `npm run plan` saved, upstream first. A plan is refused when
 * the stack directory no longer hashes to what was planned (the configuration changed after review) or
 * when Terraform reports it stale (the state moved on), or when the credentials at hand belong to another account
 * than the one it was planned in, or when an upstream output it read has changed since (pipeline/upstream-guard.ts);
 * a failed or refused stack's dependants are skipped. Destroy plans (`npm run plan -- --destroy`) are applied
 * downstream first, all or none: one that is refused or missing refuses them all before anything is deleted, and a
 * failed destroy skips the stacks it reads (they would lose state it still needs).
 */
import * as fs from "fs";
import * as path from "path";
import { accountMismatch, phaseAccess, readAccountFacts, type AccountOptions } from "./account";
import { dependantsOf, readStacks, selectStacks, upstreamsOf, type StackInfo } from "./manifest";
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
  // The upstream outputs the plan read must still be what they were: else it would apply the old values. A destroy
  // applies none of them (it deletes what the stack's state holds), so it is not checked.
  const upstream = record.destroy ? undefined : await checkUpstreamReads(stack, record, terraform);
  if (upstream) return result(upstream.status, upstream.message);
  const apply = await runTerraform(
    ["apply", "-input=false", "-json", "-lock-timeout=300s", paths.binary],
    stack.workingDirectory,
    terraform,
  );
  // A function whose new version CodeDeploy releases is released by the apply itself (its release resource,
  // lib/release.ts), as in a plain `cdktf deploy`: a rollback fails the apply with CodeDeploy's reason.
  if (apply.exitCode === 0)
    return result(
      "applied",
      record.destroy ? "destroyed: applied the reviewed destroy plan" : "applied the reviewed plan",
    );
  const errors = parseDiagnostics(apply.stdout);
  if (errors.some((d) => STALE_PLAN.test(d.summary) || STALE_PLAN.test(d.detail))) {
    return result(
      "refused",
      `Terraform reports the plan stale (the state changed since it was planned): plan again.\n${describeErrors(apply)}`,
    );
  }
  return result("failed", describeErrors(apply));
}

/**
 * Why a set of destroy plans cannot be applied at all (a stack's destroy refused, failed or missing, or plans of
 * both kinds), or undefined. Checked before the first stack is destroyed: a half-destroyed environment is worse than
 * either end.
 */
function destroyRefusal(
  selected: readonly StackInfo[],
  records: ReadonlyMap<string, PlanRecord | undefined>,
): string | undefined {
  const problems = selected.flatMap((stack) => {
    const record = records.get(stack.name);
    if (!record) return [`${stack.name} has no saved plan`];
    if (!record.destroy) return [`${stack.name}'s plan is not a destroy plan`];
    if (record.status !== "changes" && record.status !== "no-changes")
      return [
        `the destroy of ${stack.name} was ${record.status === "error" ? "refused or failed" : record.status} when planned:\n${record.error ?? ""}`,
      ];
    return [];
  });
  if (problems.length === 0) return undefined;
  return (
    "nothing was destroyed: destroy plans are applied all or none, and " +
    `${problems.join("; ")}. Plan the destroy of the environment again (\`npm run plan -- --destroy '<glob>'\`).`
  );
}

export async function applyPlans(options: ApplyOptions): Promise<ApplyRunResult> {
  const log = options.log ?? (() => undefined);
  const all = readStacks(options.outdir);
  const selected = selectStacks(all, options.globs ?? []);
  const records = new Map(selected.map((s) => [s.name, readRecord(options.outdir, s.name)]));
  const destroy = [...records.values()].some((r) => r?.destroy);
  if (destroy) {
    const refusal = destroyRefusal(selected, records);
    if (refusal) {
      log(`refused: ${refusal}`);
      return {
        results: [...selected].reverse().map((s) => ({ stack: s.name, status: "refused", message: refusal })),
        exitCode: 1,
      };
    }
  }
  // A destroy goes downstream first, and a stack that was not destroyed keeps the stacks it reads.
  const order = destroy ? [...selected].reverse() : selected;
  const blocked = (name: string) => (destroy ? upstreamsOf(all, name) : dependantsOf(all, name));
  const blockedBy = new Map<string, string>();
  const results: StackApplyResult[] = [];
  for (const stack of order) {
    const blocker = blockedBy.get(stack.name);
    let result: StackApplyResult;
    if (blocker) {
      result = {
        stack: stack.name,
        status: "skipped",
        message: destroy
          ? `not destroyed because ${blocker}, which reads it, was not destroyed`
          : `not applied because upstream ${blocker} did not apply`,
      };
    } else {
      log(`${destroy ? "destroying" : "applying"} ${stack.name} …`);
      result = await applyStack(stack, records.get(stack.name), options);
    }
    if (result.status === "failed" || result.status === "refused" || result.status === "skipped") {
      for (const dependant of blocked(stack.name))
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
