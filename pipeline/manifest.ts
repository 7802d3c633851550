/**
 * Stack discovery from what `cdktf synth` writes: `<outdir>/manifest.json` lists every stack with its working
 * directory and the construct paths of the stacks it depends on (cross-stack references). The pipeline plans
 * and applies in the order this graph gives, never in alphabetical or declaration order.
 */
import { wildcardRegExp } from "../shared/wildcard";
import * as fs from "fs";
import * as path from "path";
import { ManifestError, UsageError } from "./errors";

export interface StackInfo {
  readonly name: string;
  /** Absolute path of the directory Terraform runs in. */
  readonly workingDirectory: string;
  /** Absolute path of `cdk.tf.json`. */
  readonly synthesizedStackPath: string;
  /** Names of the stacks whose outputs this stack reads. */
  readonly dependencies: readonly string[];
}

interface RawStack {
  readonly name?: unknown;
  readonly constructPath?: unknown;
  readonly workingDirectory?: unknown;
  readonly synthesizedStackPath?: unknown;
  readonly dependencies?: unknown;
}

/** Reads the manifest and returns every stack in dependency order (upstream first, ties by name). */
export function readStacks(outdir: string): StackInfo[] {
  const file = path.join(outdir, "manifest.json");
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : (error as Error).message;
    throw new ManifestError(`${file} ${reason}: run \`npx cdktf synth\` (or \`npm run synth\`) first`);
  }
  const stacks = (raw as { stacks?: unknown }).stacks;
  if (typeof stacks !== "object" || stacks === null || Array.isArray(stacks)) {
    throw new ManifestError(`${file} has no "stacks" object: is it a cdktf manifest?`);
  }

  const entries = Object.values(stacks as Record<string, RawStack>);
  const nameByPath = new Map<string, string>();
  for (const entry of entries) {
    if (typeof entry.name !== "string" || typeof entry.workingDirectory !== "string") {
      throw new ManifestError(`${file}: every stack needs a "name" and a "workingDirectory"`);
    }
    nameByPath.set(typeof entry.constructPath === "string" ? entry.constructPath : entry.name, entry.name);
  }

  const infos = entries.map((entry): StackInfo => {
    const name = entry.name as string;
    const deps = Array.isArray(entry.dependencies) ? entry.dependencies : [];
    return {
      name,
      workingDirectory: path.resolve(outdir, entry.workingDirectory as string),
      synthesizedStackPath: path.resolve(
        outdir,
        typeof entry.synthesizedStackPath === "string"
          ? entry.synthesizedStackPath
          : path.join(entry.workingDirectory as string, "cdk.tf.json"),
      ),
      dependencies: deps.map((dep) => {
        const depName = nameByPath.get(String(dep));
        if (!depName)
          throw new ManifestError(`${file}: stack ${name} depends on unknown stack ${String(dep)}`);
        return depName;
      }),
    };
  });
  return orderByDependencies(infos);
}

/** Kahn's algorithm with a sorted ready set, so the order is the same on every machine. */
export function orderByDependencies(stacks: readonly StackInfo[]): StackInfo[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const remaining = new Map(
    stacks.map((s) => [s.name, new Set(s.dependencies.filter((d) => byName.has(d)))]),
  );
  const ordered: StackInfo[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) {
      throw new ManifestError(`Stack dependency cycle between: ${[...remaining.keys()].sort().join(", ")}`);
    }
    for (const name of ready.sort()) {
      ordered.push(byName.get(name)!);
      remaining.delete(name);
      for (const deps of remaining.values()) deps.delete(name);
    }
  }
  return ordered;
}

/** `*` matches any run of characters, `?` one character; everything else is literal (as in `cdktf deploy`). */
export function globToRegExp(glob: string): RegExp {
  return wildcardRegExp(glob);
}

/** The stacks matching any of the globs (all when none given), still in dependency order. */
export function selectStacks(stacks: readonly StackInfo[], globs: readonly string[]): StackInfo[] {
  if (globs.length === 0) return [...stacks];
  const patterns = globs.map((g) => ({ glob: g, re: globToRegExp(g) }));
  const unmatched = patterns.filter((p) => !stacks.some((s) => p.re.test(s.name)));
  if (unmatched.length > 0) {
    throw new UsageError(
      `No stack matches ${unmatched.map((p) => `"${p.glob}"`).join(", ")}. Stacks: ${stacks.map((s) => s.name).join(", ")}`,
    );
  }
  return stacks.filter((s) => patterns.some((p) => p.re.test(s.name)));
}

/** Every stack that depends on `name`, directly or through others. */
export function dependantsOf(stacks: readonly StackInfo[], name: string): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stacks) {
      if (found.has(s.name)) continue;
      if (s.dependencies.some((d) => d === name || found.has(d))) {
        found.add(s.name);
        grew = true;
      }
    }
  }
  return found;
}

/** Every stack that `name` depends on, directly or through others. */
export function upstreamsOf(stacks: readonly StackInfo[], name: string): Set<string> {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const found = new Set<string>();
  const visit = (n: string) => {
    for (const dep of byName.get(n)?.dependencies ?? [])
      if (!found.has(dep)) {
        found.add(dep);
        visit(dep);
      }
  };
  visit(name);
  return found;
}
