/**
 * Resource-address stability. Terraform keys state by address (`aws_s3_bucket.media`); cdktf derives the
 * address from the construct id and path, so a harmless-looking refactor (renaming a construct, moving it
 * into another construct) makes Terraform destroy the resource and create a new one. The committed lock
 * (`addresses.lock.json`) lists every address per stack; the check fails when one disappears without a
 * `moved` block that carries it to its new address, and explains the ways to keep the resource.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AddressLockError } from "./errors";
import { globToRegExp, readStacks } from "./manifest";

export const LOCK_FILE_NAME = "addresses.lock.json";
export const UPDATE_COMMAND = "npm run addresses:update";

export interface AddressLock {
  /**
   * Address globs that are meant to come and go (e.g. content-hashed site assets, whose old objects should
   * be deleted): neither locked nor reported. Kept across updates; edited by hand.
   */
  readonly volatile: readonly string[];
  readonly stacks: Readonly<Record<string, readonly string[]>>;
}

interface StackAddresses {
  readonly addresses: readonly string[];
  /** `moved` blocks: old address → new address. */
  readonly moved: ReadonlyMap<string, string>;
  /** Addresses given up on purpose through `removed` blocks (Terraform ≥ 1.7; cdktf escape hatch). */
  readonly removed: ReadonlySet<string>;
}

type Json = Record<string, unknown>;
const objectAt = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
const blocks = (value: unknown): Json[] => (Array.isArray(value) ? value.map(objectAt) : []);

/** Addresses, `moved` and `removed` blocks of one synthesized `cdk.tf.json`. */
export function stackAddresses(stackJson: Json): StackAddresses {
  const addresses: string[] = [];
  for (const [type, byName] of Object.entries(objectAt(stackJson.resource))) {
    for (const name of Object.keys(objectAt(byName))) addresses.push(`${type}.${name}`);
  }
  for (const [type, byName] of Object.entries(objectAt(stackJson.data))) {
    for (const name of Object.keys(objectAt(byName))) addresses.push(`data.${type}.${name}`);
  }
  for (const name of Object.keys(objectAt(stackJson.module))) addresses.push(`module.${name}`);
  const moved = new Map(blocks(stackJson.moved).map((m) => [String(m.from), String(m.to)]));
  const removed = new Set(blocks(stackJson.removed).map((r) => String(r.from)));
  return { addresses: addresses.sort(), moved, removed };
}

/** Every stack of a synth output, by name. */
export function synthesizedAddresses(outdir: string): Map<string, StackAddresses> {
  const result = new Map<string, StackAddresses>();
  for (const stack of readStacks(outdir).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    result.set(
      stack.name,
      stackAddresses(JSON.parse(fs.readFileSync(stack.synthesizedStackPath, "utf8")) as Json),
    );
  }
  return result;
}

const volatileMatcher = (globs: readonly string[]) => {
  const patterns = globs.map(globToRegExp);
  return (address: string) => patterns.some((p) => p.test(address));
};

/** The lock of a synth; `volatile` globs (kept from the previous lock) leave their addresses out. */
export function buildLock(
  synthesized: ReadonlyMap<string, StackAddresses>,
  volatile: readonly string[] = [],
): AddressLock {
  const isVolatile = volatileMatcher(volatile);
  return {
    volatile: [...volatile],
    stacks: Object.fromEntries(
      [...synthesized].map(([name, s]) => [name, s.addresses.filter((a) => !isVolatile(a))]),
    ),
  };
}

export function formatLock(lock: AddressLock): string {
  return `${JSON.stringify({ "//": `Resource addresses per stack. Refresh on purpose with: ${UPDATE_COMMAND}`, ...lock }, null, 2)}\n`;
}

export function parseLock(text: string, source: string): AddressLock {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new AddressLockError(
      `${source} is not valid JSON (${(error as Error).message}): regenerate it with ${UPDATE_COMMAND}`,
    );
  }
  const stacks = objectAt(objectAt(doc).stacks);
  for (const [name, addresses] of Object.entries(stacks)) {
    if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === "string")) {
      throw new AddressLockError(`${source}: stacks.${name} must be an array of address strings`);
    }
  }
  if (Object.keys(stacks).length === 0) {
    throw new AddressLockError(`${source} lists no stacks: regenerate it with ${UPDATE_COMMAND}`);
  }
  const volatile = objectAt(doc).volatile ?? [];
  if (!Array.isArray(volatile) || !volatile.every((v) => typeof v === "string")) {
    throw new AddressLockError(
      `${source}: "volatile" must be an array of address globs such as "aws_s3_object.site-assets-*"`,
    );
  }
  return { volatile, stacks: stacks as Record<string, string[]> };
}

export interface LockProblem {
  readonly stack: string;
  readonly address: string;
  readonly kind: "missing" | "moved-to-nowhere" | "stack-missing" | "new";
}

/** Differences that matter: locked addresses without a successor, and addresses the lock does not know yet. */
export function compareWithLock(
  lock: AddressLock,
  synthesized: ReadonlyMap<string, StackAddresses>,
): LockProblem[] {
  const problems: LockProblem[] = [];
  const isVolatile = volatileMatcher(lock.volatile);
  for (const [stack, locked] of Object.entries(lock.stacks)) {
    const current = synthesized.get(stack);
    if (!current) {
      problems.push({ stack, address: `${locked.length} addresses`, kind: "stack-missing" });
      continue;
    }
    const present = new Set(current.addresses);
    for (const address of locked) {
      if (present.has(address) || isVolatile(address) || current.removed.has(address)) continue;
      const target = current.moved.get(address);
      if (target === undefined) problems.push({ stack, address, kind: "missing" });
      else if (!present.has(target))
        problems.push({ stack, address: `${address} → ${target}`, kind: "moved-to-nowhere" });
    }
  }
  for (const [stack, current] of synthesized) {
    const locked = new Set(lock.stacks[stack] ?? []);
    // A moved block's target carries a locked address forward: it is not new.
    const carried = new Set([...current.moved].filter(([from]) => locked.has(from)).map(([, to]) => to));
    for (const address of current.addresses) {
      if (!locked.has(address) && !carried.has(address) && !isVolatile(address)) {
        problems.push({ stack, address, kind: "new" });
      }
    }
  }
  return problems;
}

const KEEP_IT = `How to keep the existing infrastructure instead:
  - Renamed or moved a construct? Keep the old address with a \`moved\` block: on the new resource call
      newResource.moveFromId("<type>.<old name>")          // e.g. "aws_s3_bucket.media"
    or mark the old one with oldResource.moveTo("<target>") and the new one with newResource.addMoveTarget("<target>").
    Terraform then moves the state entry and changes nothing in AWS.
  - Moved a resource to another stack? A \`moved\` block cannot cross stacks (state files): remove it from the
    old stack's state (\`terraform state rm\`, or a \`removed\` block with destroy = false) and adopt it in the new
    stack with newResource.importFrom("<cloud id>") (an \`import\` block).
  - Meant to delete or recreate it? Update the lock in the same change so that reviewers see it:
      ${UPDATE_COMMAND}   (then commit addresses.lock.json)`;

/** The explanation the test and the CLI print; empty when the lock holds. */
export function explainProblems(problems: readonly LockProblem[]): string {
  if (problems.length === 0) return "";
  const line = (p: LockProblem) => `  - ${p.stack}: ${p.address}`;
  const isData = (p: LockProblem) => p.kind === "missing" && p.address.startsWith("data.");
  const gone = problems.filter((p) => p.kind !== "new" && !isData(p)).map(line);
  const goneData = problems.filter(isData).map(line);
  const added = problems.filter((p) => p.kind === "new").map(line);
  const parts: string[] = [];
  if (gone.length > 0) {
    parts.push(
      `${gone.length} locked resource address(es) disappeared. On the next apply Terraform would DESTROY these ` +
        `resources (and create new ones under new addresses, losing their data):\n${gone.join("\n")}\n\n${KEEP_IT}`,
    );
  }
  if (goneData.length > 0) {
    parts.push(
      `${goneData.length} data source(s) disappeared. Data sources only read, so nothing is destroyed; confirm it ` +
        `with ${UPDATE_COMMAND} and commit the lock:\n${goneData.join("\n")}`,
    );
  }
  if (added.length > 0) {
    parts.push(
      `${added.length} address(es) are not in ${LOCK_FILE_NAME} yet. Run ${UPDATE_COMMAND} and commit the lock ` +
        `so that a later rename of them is caught:\n${added.join("\n")}`,
    );
  }
  return parts.join("\n\n");
}

/** Reads the committed lock and compares it with a synth: the explanation of what broke, empty when it holds. */
export function checkLockFile(lockPath: string, synthesized: ReadonlyMap<string, StackAddresses>): string {
  if (!fs.existsSync(lockPath))
    throw new AddressLockError(`${lockPath} does not exist: create it with ${UPDATE_COMMAND}`);
  const lock = parseLock(fs.readFileSync(lockPath, "utf8"), path.basename(lockPath));
  return explainProblems(compareWithLock(lock, synthesized));
}

/**
 * Synthesizes the project's app into `outdir` the way `cdktf synth` does (cdktf.json's "app" command), with
 * the BLOG_* variables removed so the lock reflects the committed configuration, not one shell's overrides.
 */
export function synthesizeApp(root: string, outdir: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  for (const key of Object.keys(env)) if (key.startsWith("BLOG_")) delete env[key];
  const run = spawnSync(process.execPath, [path.join(root, "scripts", "run-app.mjs")], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  if (run.status !== 0) {
    throw new AddressLockError(`synth of the app failed (exit ${run.status}):\n${run.stderr || run.stdout}`);
  }
}
