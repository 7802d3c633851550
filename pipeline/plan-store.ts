/**
 * Where a plan run leaves its results for the apply run (and the CI artefact): `<outdir>/plans/` holds, per
 * stack, the binary plan, its `terraform show -json` document and a record with the stack directory's
 * content hash. The hash is what lets `npm run apply` refuse a plan whose configuration changed after review.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { StackAccount } from "./account";
import type { UpstreamReads } from "./upstream-guard";

export const PLANS_DIRECTORY = "plans";
export const LOCK_FILE = ".terraform.lock.hcl";

/** `not-planned`: unchanged since the base of a change-scoped plan (pipeline/change-scope.ts), so not planned. */
export type StackStatus = "no-changes" | "changes" | "waiting" | "error" | "not-planned";

export interface PlanRecord {
  readonly stack: string;
  readonly status: StackStatus;
  /** sha256 of the stack directory (configuration, assets, provider lock file) when it was planned. */
  readonly stackHash: string;
  /** Provider lock file Terraform wrote at plan time, restored on a fresh checkout before apply. */
  readonly lockFile?: string;
  readonly refreshOnly: boolean;
  /** A destroy plan (`plan -destroy`): `npm run apply` applies such plans downstream first, never beside others. */
  readonly destroy?: true;
  /** Upstream stacks whose state does not have what this stack reads yet. */
  readonly waitingOn: readonly string[];
  /** Terraform's errors when status is "error" or "waiting". */
  readonly error?: string;
  /** The account it was planned in, for a stack whose environment has an account: apply refuses any other. */
  readonly account?: StackAccount;
  /**
   * Digests of the upstream outputs the saved plan read (pipeline/upstream-guard.ts): apply refuses the plan when
   * they changed since. Recorded with every plan Terraform showed; absent for a plan without changes.
   */
  readonly upstreamReads?: UpstreamReads;
  /**
   * Set when the stack was planned with provisional outputs of these upstreams (they had no state yet):
   * `npm run apply` refuses such a plan, and no plan file is kept for it.
   */
  readonly provisional?: { readonly upstreams: readonly string[] };
  /** For a `not-planned` stack: the base it was unchanged since (its `stackHash` is of that configuration). */
  readonly notPlanned?: { readonly base: string };
}

export function plansDirectory(outdir: string): string {
  return path.join(outdir, PLANS_DIRECTORY);
}

export function planPaths(outdir: string, stack: string) {
  const dir = plansDirectory(outdir);
  return {
    binary: path.join(dir, `${stack}.tfplan`),
    json: path.join(dir, `${stack}.plan.json`),
    record: path.join(dir, `${stack}.record.json`),
  };
}

export function writeRecord(outdir: string, record: PlanRecord): void {
  fs.mkdirSync(plansDirectory(outdir), { recursive: true });
  fs.writeFileSync(planPaths(outdir, record.stack).record, `${JSON.stringify(record, null, 2)}\n`);
}

export function readRecord(outdir: string, stack: string): PlanRecord | undefined {
  const file = planPaths(outdir, stack).record;
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as PlanRecord;
}

/** Removes a stack's previous plan so that a failed re-plan can never leave an older plan to apply. */
export function clearPlan(outdir: string, stack: string): void {
  fs.mkdirSync(plansDirectory(outdir), { recursive: true });
  for (const file of Object.values(planPaths(outdir, stack))) fs.rmSync(file, { force: true });
}

/** Terraform's working data, state and plans change without the reviewed configuration changing. */
function isRuntimeFile(relative: string): boolean {
  const base = path.basename(relative);
  return (
    relative === ".terraform" ||
    relative.startsWith(`.terraform${path.sep}`) ||
    base.endsWith(".tfplan") ||
    base.startsWith("terraform.tfstate") ||
    base === ".terraform.tfstate.lock.info"
  );
}

/**
 * A content hash of everything in the stack directory that decides what Terraform does. `withLockFile: false`
 * leaves out the provider lock file Terraform writes at init, to compare what two synths wrote.
 */
export function hashStackDirectory(
  directory: string,
  options: { readonly withLockFile?: boolean } = {},
): string {
  const hash = createHash("sha256");
  const walk = (relativeDir: string) => {
    const entries = fs.readdirSync(path.join(directory, relativeDir), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const relative = path.join(relativeDir, entry.name);
      if (isRuntimeFile(relative)) continue;
      if (options.withLockFile === false && relative === LOCK_FILE) continue;
      const absolute = path.join(directory, relative);
      // Asset directories may be symlinked: what counts is the content behind the link.
      const stat = entry.isSymbolicLink() ? fs.statSync(absolute) : entry;
      if (stat.isDirectory()) walk(relative);
      else if (stat.isFile()) {
        hash.update(relative.split(path.sep).join("/")).update("\0");
        hash.update(fs.readFileSync(absolute)).update("\0");
      }
    }
  };
  walk("");
  return hash.digest("hex");
}
