/**
 * The only rewrites allowed when the AWS provider at hand is of an older major line than the one the stacks
 * pin (an offline mirror with 5.x, stacks on 6.x): each one names what differs between the lines and why it
 * is not a defect of the stacks. Everything else the provider rejects is a real error. Reports list what ran.
 */
import * as fs from "fs";
import * as path from "path";
import { compareVersions } from "./provider-installation";

type StackJson = {
  terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
};

export interface LineRewrite {
  readonly id: string;
  /** Why this difference belongs to the provider line, not to our stacks. */
  readonly reason: string;
  /** Applies to stacks pinned to `pinnedMajor` run with a provider of `availableMajor`. */
  readonly appliesTo: (pinnedMajor: number, availableMajor: number) => boolean;
  /** Rewrites in place; returns the addresses (or keys) changed. */
  readonly rewrite: (stack: StackJson, availableVersion: string) => string[];
}

const older = (pinned: number, available: number) => available < pinned;

/** Every rewrite, in the order applied. */
export const LINE_REWRITES: readonly LineRewrite[] = [
  {
    id: "provider-version-constraint",
    reason:
      "the stacks pin an exact 6.x release; the provider at hand is another release, so the constraint names it",
    appliesTo: () => true,
    rewrite: (stack, version) => {
      const aws = stack.terraform?.required_providers?.aws;
      if (!aws || aws.version === version) return [];
      aws.version = version;
      return ["terraform.required_providers.aws.version"];
    },
  },
  {
    id: "lambda-runtime-nodejs24",
    reason:
      "nodejs24.x is known to the provider from 6.x on; 5.x validates runtime names against an older list, " +
      "so the newest runtime 5.x knows (nodejs22.x) stands in",
    appliesTo: (pinned, available) => older(pinned, available) && available < 6,
    rewrite: (stack) =>
      Object.entries(stack.resource?.aws_lambda_function ?? {})
        .filter(([, fn]) => fn.runtime === "nodejs24.x")
        .map(([name, fn]) => {
          fn.runtime = "nodejs22.x";
          return `aws_lambda_function.${name}.runtime`;
        }),
  },
  {
    id: "db-proxy-default-auth-scheme",
    reason:
      "default_auth_scheme (RDS Proxy's end-to-end IAM authentication, no secret) is known to the provider from 6.x " +
      "on; 5.x neither knows it nor lets a proxy go without an auth block, so an IAM-required auth block stands in " +
      "for the check only",
    appliesTo: (pinned, available) => older(pinned, available) && available < 6,
    rewrite: (stack) =>
      Object.entries(stack.resource?.aws_db_proxy ?? {})
        .filter(([, proxy]) => proxy.default_auth_scheme !== undefined)
        .map(([name, proxy]) => {
          delete proxy.default_auth_scheme;
          proxy.auth ??= [{ auth_scheme: "SECRETS", iam_auth: "REQUIRED" }];
          return `aws_db_proxy.${name}.default_auth_scheme`;
        }),
  },
];

export interface AppliedRewrite {
  readonly id: string;
  readonly reason: string;
  readonly changed: readonly string[];
}

const TERRAFORM_FILES = new Set([".terraform", ".terraform.lock.hcl"]);

const major = (version: string) => Number(version.split(".")[0]);

/** The pinned AWS provider version of a synthesized stack (an exact version, as cdktf providers pin). */
export function pinnedVersion(stack: StackJson): string | undefined {
  return stack.terraform?.required_providers?.aws?.version?.replace(/^[=\s~>]+/, "");
}

/**
 * Picks the provider version to run a stack with from what a mirror holds: the pinned one when present,
 * otherwise the newest available.
 */
export function chooseVersion(pinned: string, available: readonly string[]): string {
  if (available.includes(pinned)) return pinned;
  return [...available].sort(compareVersions).reverse()[0] ?? pinned;
}

/** Rewrites one stack's JSON for the provider `version`; returns what was rewritten (empty when nothing). */
export function rewriteForProvider(stack: StackJson, version: string): AppliedRewrite[] {
  const pinned = pinnedVersion(stack);
  if (!pinned || pinned === version) return [];
  const applied: AppliedRewrite[] = [];
  for (const r of LINE_REWRITES) {
    if (!r.appliesTo(major(pinned), major(version))) continue;
    const changed = r.rewrite(stack, version);
    if (changed.length > 0) applied.push({ id: r.id, reason: r.reason, changed });
  }
  return applied;
}

/**
 * Copies a synth output directory (manifest and stacks, assets included) to `target`, rewriting each stack
 * for the provider versions at hand (`available` empty: the registry serves the pinned version, no rewrite).
 * Terraform's working files already in `target` (`.terraform/`, lock files, state beside it) are kept.
 * @returns the rewrites per stack name
 */
export function copyForProvider(
  outdir: string,
  target: string,
  available: readonly string[],
): Map<string, AppliedRewrite[]> {
  fs.mkdirSync(path.join(target, "stacks"), { recursive: true });
  fs.copyFileSync(path.join(outdir, "manifest.json"), path.join(target, "manifest.json"));
  const rewrites = new Map<string, AppliedRewrite[]>();
  for (const name of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
    const from = path.join(outdir, "stacks", name);
    const to = path.join(target, "stacks", name);
    fs.rmSync(path.join(to, "assets"), { recursive: true, force: true });
    // Terraform's own files of a previous run in `outdir` (a lock file may pin another provider) stay behind.
    fs.cpSync(from, to, { recursive: true, filter: (src) => !TERRAFORM_FILES.has(path.basename(src)) });
    const file = path.join(to, "cdk.tf.json");
    const stack = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
    const pinned = pinnedVersion(stack);
    const applied =
      pinned && available.length > 0 ? rewriteForProvider(stack, chooseVersion(pinned, available)) : [];
    if (applied.length > 0) fs.writeFileSync(file, `${JSON.stringify(stack, null, 2)}\n`);
    rewrites.set(name, applied);
  }
  return rewrites;
}

/** One line per rewrite kind with its stack count, for reports. */
export function describeRewrites(rewrites: ReadonlyMap<string, readonly AppliedRewrite[]>): string[] {
  const byId = new Map<string, { reason: string; stacks: number; changes: number }>();
  for (const applied of rewrites.values()) {
    for (const r of applied) {
      const entry = byId.get(r.id) ?? { reason: r.reason, stacks: 0, changes: 0 };
      entry.stacks += 1;
      entry.changes += r.changed.length;
      byId.set(r.id, entry);
    }
  }
  return [...byId].map(
    ([id, e]) => `rewrote ${id} in ${e.stacks} stack(s), ${e.changes} place(s): ${e.reason}`,
  );
}
