/**
 * `npm run deploy:local`: one environment applied for real, stack by stack in dependency order, with real
 * Terraform and the real AWS provider against the AWS emulator, through the project's own plan/apply
 * pipeline; then planned again (no changes allowed beyond the listed emulator gaps), then used (photos with older
 * versions, thumbnails, table items) and torn down through the reviewed destroy — `plan -destroy`, its summary, the
 * apply of those plans downstream first (emulated-teardown.ts). Works on a copy of the synth output with its own
 * local state, never on `cdktf.out`.
 */
import * as fs from "fs";
import { applyPlans } from "./apply-runner";
import { checkCodeRelease, type ReleaseCheck } from "./emulated-release";
import { rehearseRestores, type RestoreRehearsal } from "./emulated-restore";
import { reviewedDestroy, writeUsedData, type TeardownReport, type UsedData } from "./emulated-teardown";
import { checkAwsUpgrade, type UpgradeCheck } from "./emulated-upgrade";
import { excludeNotImplemented, notDeletable, replanFindings, type ReplanFinding } from "./emulator-plan";
import { prepareEmulatorCopy } from "./emulated-plan";
import { readStacks, selectStacks, type StackInfo } from "./manifest";
import { planPaths } from "./plan-store";
import { planStacks } from "./plan-runner";
import type { TerraformPlanJson } from "./summary/analyze";
import { runTerraform, type TerraformOptions } from "./terraform";

export interface EmulatedDeployOptions {
  /** The synth output directory holding `manifest.json`. */
  readonly outdir: string;
  /** CLI configuration and plugin cache (shared with `npm run validate`). */
  readonly workDir: string;
  /** Where the copy (`cdktf.out/`, emptied first), its plans and its state live. */
  readonly deployDir: string;
  /** Stack glob of the environment, e.g. `myblog-dev-*`. */
  readonly glob: string;
  /** The emulator's endpoint, e.g. `https://127.0.0.1:4566`. */
  readonly endpoint: string;
  /** Hard limit for each Terraform command of a stack. @default 15 minutes */
  readonly stackTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Runs once every stack is applied, before the re-plan (the benchmark times plans here). */
  readonly afterApply?: (applied: AppliedEnvironment) => Promise<void>;
}

/** What a hook gets to run Terraform on the applied environment. */
export interface AppliedEnvironment {
  /** The copy of the synth output the pipeline runs in. */
  readonly outdir: string;
  readonly stacks: readonly StackInfo[];
  readonly terraform: TerraformOptions;
}

export interface StackDeployReport {
  readonly stack: string;
  /** Resources in the applied plan (created). */
  readonly applied: number;
  /** Resources left out because the emulator cannot create them (see emulator-gaps.ts). */
  readonly excluded: readonly string[];
  readonly planSeconds: number;
  readonly applySeconds: number;
  /** `no-changes`, or `changes` when the re-plan found a diff no listed gap explains. */
  readonly replan?: "no-changes" | "changes" | "error";
  /** Differences the re-plan found, each marked ignored (a listed gap) or not. */
  readonly replanFindings: readonly ReplanFinding[];
  readonly replanSeconds?: number;
  readonly destroySeconds?: number;
  readonly error?: string;
}

export interface EmulatedDeployResult {
  readonly stacks: readonly StackDeployReport[];
  readonly rewrites: readonly string[];
  readonly phases: { readonly apply: number; readonly replan: number; readonly destroy: number };
  /** A code change applied with a plain `terraform apply` of the api stack, and where its alias went. */
  readonly release?: ReleaseCheck;
  /** AWS's own changes to the database (a minor upgrade, grown storage) through the emulator, before the re-plan. */
  readonly upgrade?: UpgradeCheck;
  /** docs/operations.md's restores, each into a new copy that is compared and removed, before the re-plan. */
  readonly restores?: RestoreRehearsal;
  /** The environment used, then torn down through the reviewed destroy (emulated-teardown.ts). */
  readonly teardown?: TeardownReport;
  readonly exitCode: 0 | 1;
}

const seconds = (since: number) => (Date.now() - since) / 1000;

/** The resources in a stack's state that a not-deletable gap names. */
async function statesToForget(stack: StackInfo, terraform: TerraformOptions): Promise<string[]> {
  const pulled = await runTerraform(["state", "pull"], stack.workingDirectory, terraform);
  if (pulled.exitCode !== 0 || pulled.stdout.trim() === "") return [];
  return notDeletable(JSON.parse(pulled.stdout));
}

export async function emulatedDeploy(options: EmulatedDeployOptions): Promise<EmulatedDeployResult> {
  const log = options.log ?? (() => undefined);
  const { outdir, terraform, rewrites } = prepareEmulatorCopy(options, options.deployDir);
  const stacks = selectStacks(readStacks(outdir), [options.glob]);
  const excluded = excludeNotImplemented(stacks);

  const reports = new Map<string, StackDeployReport>();
  // Errors accumulate (an apply failure, then a destroy failure of the same stack) and are logged as they come.
  const update = (stack: string, patch: Partial<StackDeployReport>) => {
    const before = reports.get(stack)!;
    if (patch.error) log(`  ${stack}: ${patch.error}`);
    const error = [before.error, patch.error].filter(Boolean).join("\n") || undefined;
    reports.set(stack, { ...before, ...patch, error });
  };
  const pipeline = { outdir, terraform };

  // Apply, upstream first: plan one stack (its upstreams are applied by then), apply that reviewed plan.
  const applyStarted = Date.now();
  const applied: StackInfo[] = [];
  for (const stack of stacks) {
    reports.set(stack.name, {
      stack: stack.name,
      applied: 0,
      excluded: excluded.get(stack.name) ?? [],
      planSeconds: 0,
      applySeconds: 0,
      replanFindings: [],
    });
    log(`apply ${stack.name} …`);
    let started = Date.now();
    const plan = await planStacks({ ...pipeline, globs: [stack.name] });
    const planned = plan.summary.stacks[0];
    update(stack.name, { planSeconds: seconds(started) });
    if (planned.status !== "changes") {
      update(stack.name, { error: `planned ${planned.status}: ${planned.error ?? "expected changes"}` });
      break;
    }
    started = Date.now();
    const result = await applyPlans({ ...pipeline, globs: [stack.name] });
    update(stack.name, {
      applySeconds: seconds(started),
      applied: planned.counts.create,
      ...(result.exitCode === 0 ? {} : { error: result.results[0]?.message }),
    });
    applied.push(stack);
    log(`  ${stack.name}: ${result.results[0]?.status} in ${seconds(started).toFixed(0)} s`);
    if (result.exitCode !== 0) break;
  }
  const applySeconds = seconds(applyStarted);

  // Plan again: a second plan of what was just applied must find nothing to do.
  const complete = applied.length === stacks.length && stacks.every((s) => !reports.get(s.name)?.error);
  // New code through a plain `terraform apply`, as `cdktf deploy` runs it: the alias must follow (emulated-release.ts).
  // The API's stack: its re-plan has no emulator gap, so that apply changes nothing but the code (the events stack's
  // queue would be "updated" for the emulator's re-serialised redrive policy, and moto drops its policy then).
  const releaseStack = stacks.find((s) => s.name.endsWith("-api"));
  let release: ReleaseCheck | undefined;
  if (complete && releaseStack) {
    log(`release check: new code in ${releaseStack.name}, applied with terraform apply …`);
    release = await checkCodeRelease(releaseStack, terraform).catch((error: unknown) => ({
      stack: releaseStack.name,
      function: "",
      before: "",
      after: "",
      published: "",
      ok: false,
      error: (error as Error).message,
    }));
    log(
      release.ok
        ? `  ${release.function}: live alias moved from version ${release.before} to ${release.after}`
        : `  release check failed: ${release.error}`,
    );
  }
  // AWS upgrades the database's minor version and grows its storage on its own: the re-plan must not undo it.
  const upgradeStack = stacks.find((s) => s.name.endsWith("-data"));
  let upgrade: UpgradeCheck | undefined;
  if (complete && upgradeStack) {
    log(
      `upgrade check: AWS's minor upgrade and storage growth in ${upgradeStack.name}, behind Terraform's back …`,
    );
    upgrade = await checkAwsUpgrade(upgradeStack, terraform, options.endpoint).catch((error: unknown) => ({
      stack: upgradeStack.name,
      instance: "",
      configured: "",
      before: { version: "", storageGb: 0 },
      after: { version: "", storageGb: 0 },
      stateEngineVersion: "",
      seconds: 0,
      ok: false,
      error: (error as Error).message,
    }));
    log(
      upgrade.ok
        ? `  ${upgrade.instance}: engine_version_actual ${upgrade.before.version} → ${upgrade.after.version}, ` +
            `allocated_storage ${upgrade.before.storageGb} → ${upgrade.after.storageGb} GiB, ` +
            `engine_version stays ${upgrade.stateEngineVersion} (${upgrade.seconds.toFixed(0)} s)`
        : `  upgrade check failed: ${upgrade.error}`,
    );
  }
  let restores: RestoreRehearsal | undefined;
  if (complete && upgradeStack) {
    log(`restore rehearsal: the runbook's restores of ${upgradeStack.name}'s data …`);
    restores = await rehearseRestores(upgradeStack, terraform, options.endpoint).catch((error: unknown) => ({
      stack: upgradeStack.name,
      steps: [{ restore: "all", detail: "", seconds: 0, ok: false, error: (error as Error).message }],
      ok: false,
    }));
    for (const s of restores.steps)
      log(
        s.ok
          ? `  ${s.restore}: ${s.detail} (${s.seconds.toFixed(1)} s)`
          : `  ${s.restore} failed: ${s.error}`,
      );
  }
  if (complete && options.afterApply) await options.afterApply({ outdir, stacks, terraform });
  const replanStarted = Date.now();
  if (complete) {
    log("re-plan …");
    const replan = await planStacks({ ...pipeline, globs: stacks.map((s) => s.name) });
    for (const summary of replan.summary.stacks) {
      if (summary.status === "error" || summary.status === "waiting") {
        update(summary.name, { replan: "error", error: summary.error ?? summary.status });
        continue;
      }
      // A plan with no changes leaves no JSON document (see plan-runner): nothing to explain.
      const jsonPath = planPaths(outdir, summary.name).json;
      const findings =
        summary.status === "no-changes" && !fs.existsSync(jsonPath)
          ? []
          : replanFindings(JSON.parse(fs.readFileSync(jsonPath, "utf8")) as TerraformPlanJson);
      const unexplained = findings.filter((f) => !f.ignored);
      update(summary.name, {
        replan: unexplained.length === 0 ? "no-changes" : "changes",
        replanFindings: findings,
      });
      log(
        `  ${summary.name}: ${unexplained.length === 0 ? "no changes" : `${unexplained.length} unexplained change(s)`}`,
      );
    }
  }
  const replanSeconds = seconds(replanStarted);

  // Used as readers and authors would, then torn down through the reviewed destroy, whatever happened above: plan
  // -destroy of every stack, its summary, and the apply of exactly those plans downstream first (emulated-teardown.ts).
  const destroyStarted = Date.now();
  const dataStack = stacks.find((s) => s.name.endsWith("-data"));
  let used: UsedData | undefined;
  let teardown: TeardownReport | undefined;
  if (complete && dataStack) {
    log(
      `data before the destroy: photos with older versions, thumbnails, table items in ${dataStack.name} …`,
    );
    try {
      used = await writeUsedData(dataStack, terraform, options.endpoint);
      log(
        `  ${used.objects} objects in ${used.objectVersions} versions (${used.buckets.join(", ")}), ` +
          `${used.items} items (${used.tables.join(", ")}) in ${used.seconds.toFixed(1)} s`,
      );
    } catch (error) {
      update(dataStack.name, {
        error: `writing data before the destroy failed: ${(error as Error).message}`,
      });
    }
  }
  if (applied.length > 0) {
    for (const stack of applied) {
      const forget = await statesToForget(stack, terraform);
      if (forget.length === 0) continue;
      log(`  ${stack.name}: forgetting ${forget.join(", ")} (the emulator cannot delete it)`);
      await runTerraform(["state", "rm", "-lock-timeout=300s", ...forget], stack.workingDirectory, terraform);
    }
    log("reviewed destroy: plan -destroy, summary, apply of those plans downstream first …");
    teardown = await reviewedDestroy({
      outdir,
      stacks,
      terraform,
      endpoint: options.endpoint,
      data: used,
      log,
    });
    for (const a of teardown.applied) update(a.stack, { destroySeconds: a.seconds });
    if (!teardown.ok) update(stacks[stacks.length - 1].name, { error: `destroy failed: ${teardown.error}` });
  }
  const destroySeconds = seconds(destroyStarted);

  const all = stacks.map((s) => reports.get(s.name)!).filter(Boolean);
  const ok =
    all.length === stacks.length &&
    all.every((r) => !r.error && r.replan === "no-changes" && r.destroySeconds !== undefined) &&
    (releaseStack === undefined || release?.ok === true) &&
    (upgradeStack === undefined || (upgrade?.ok === true && restores?.ok === true)) &&
    teardown?.ok === true &&
    (dataStack === undefined || used !== undefined);
  return {
    stacks: all,
    rewrites,
    phases: { apply: applySeconds, replan: replanSeconds, destroy: destroySeconds },
    release,
    upgrade,
    restores,
    teardown,
    exitCode: ok ? 0 : 1,
  };
}
