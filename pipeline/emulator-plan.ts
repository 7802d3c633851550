/**
 * How the emulated deploy applies the gaps of emulator-gaps.ts: resources the emulator cannot create are taken
 * out of the copy (references to them become stand-in values of the right shape), and a re-plan's differences
 * are matched against the attributes the emulator does not store. Nothing else is excused.
 */
import * as fs from "fs";
import { EMULATOR_GAPS, gapMatches, type AttributeNotStoredGap } from "./emulator-gaps";
import type { StackInfo } from "./manifest";
import type { RawResourceChange, TerraformPlanJson } from "./summary/analyze";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type StackJson = { resource?: Record<string, Record<string, Json>>; [key: string]: Json | undefined };

/** A value of the shape an attribute has, for a resource that exists only as a reference. */
export function standInValue(type: string, name: string, attribute: string): string {
  if (attribute === "arn" || attribute.endsWith("_arn"))
    return `arn:aws:${type.split("_")[1]}:us-east-1:123456789012:${name}`;
  if (attribute === "port" || attribute.endsWith("_port")) return "6379";
  if (/address|endpoint|host|dns_name/.test(attribute)) return `${name}.emulator-gap.invalid`;
  return `${name}-emulator-gap`;
}

/**
 * Removes every resource a not-implemented gap names from the copied stacks (rewriting their JSON in place)
 * and replaces references to them; returns the removed addresses per stack.
 */
export function excludeNotImplemented(stacks: readonly StackInfo[]): Map<string, string[]> {
  const gaps = EMULATOR_GAPS.filter((g) => g.kind === "not-implemented");
  const excluded = new Map<string, string[]>();
  for (const stack of stacks) {
    const file = stack.synthesizedStackPath;
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
    const removed: string[] = [];
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const name of Object.keys(byName)) {
        for (const gap of gaps.filter((g) => gapMatches(g, type, name))) {
          if (gap.attributes) {
            const resource = byName[name] as Record<string, Json>;
            for (const attribute of gap.attributes.filter((a) => a in resource)) {
              const value = gap.emulatorValues?.[attribute];
              if (value === undefined) delete resource[attribute];
              else resource[attribute] = value;
              removed.push(`${type}.${name}.${attribute}`);
            }
          } else if (byName[name]) {
            delete byName[name];
            removed.push(`${type}.${name}`);
          }
        }
      }
      if (Object.keys(byName).length === 0) delete json.resource![type];
    }
    excluded.set(stack.name, removed);
    if (removed.length === 0) continue;
    const rewritten = replaceReferences(json as Json, new Set(removed));
    // (attribute entries such as `type.name.attr` match no reference and only report what was left out)
    fs.writeFileSync(file, `${JSON.stringify(rewritten, null, 2)}\n`);
  }
  return excluded;
}

/** Walks the JSON: `${type.name.attr}` of a removed resource becomes a stand-in, `depends_on` drops it. */
function replaceReferences(value: Json, removed: ReadonlySet<string>): Json {
  if (typeof value === "string") {
    // A whole-string reference, or one inside a template: both are replaced by the stand-in text.
    return value.replace(
      /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)[^}]*\}/g,
      (match, type, name, attr) => (removed.has(`${type}.${name}`) ? standInValue(type, name, attr) : match),
    );
  }
  if (Array.isArray(value)) {
    return value
      .filter((item) => !(typeof item === "string" && removed.has(item)))
      .map((item) => replaceReferences(item, removed));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceReferences(v, removed)]));
  }
  return value;
}

export interface ReplanFinding {
  readonly address: string;
  readonly actions: readonly string[];
  /** Attribute paths that differ between state and configuration. */
  readonly attributes: readonly string[];
  /** True when a listed attribute-not-stored gap explains every differing attribute. */
  readonly ignored: boolean;
}

/**
 * The attribute paths an update changes, down to the leaves (`origin[*].origin_access_control_id`; list
 * positions are written `[*]`); a list whose length changes, or a value known only after apply, is one path.
 */
export function changedPaths(change: RawResourceChange["change"]): string[] {
  const paths = new Set<string>();
  const walk = (before: unknown, after: unknown, unknown: unknown, at: string) => {
    if (unknown === true) {
      paths.add(at);
      return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      before.forEach((b, i) =>
        walk(b, after[i], Array.isArray(unknown) ? unknown[i] : undefined, `${at}[*]`),
      );
      return;
    }
    const isObject = (v: unknown): v is Record<string, unknown> =>
      typeof v === "object" && v !== null && !Array.isArray(v);
    if (isObject(before) && isObject(after)) {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const u = isObject(unknown) ? unknown[key] : undefined;
        walk(before[key], after[key], u, at ? `${at}.${key}` : key);
      }
      return;
    }
    if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null)) paths.add(at);
  };
  walk(change.before ?? {}, change.after ?? {}, change.after_unknown ?? {}, "");
  return [...paths].sort();
}

/** Whether a gap's attribute (a path, or a path's beginning) covers a changed path. */
const covers = (attribute: string, changed: string) =>
  changed === attribute || changed.startsWith(`${attribute}.`) || changed.startsWith(`${attribute}[`);

/** Every change a re-plan proposes, each marked whether an attribute-not-stored gap explains it. */
export function replanFindings(plan: TerraformPlanJson): ReplanFinding[] {
  const gaps = EMULATOR_GAPS.filter((g): g is AttributeNotStoredGap => g.kind === "attribute-not-stored");
  return (plan.resource_changes ?? [])
    .filter((rc) => !rc.change.actions.every((a) => a === "no-op" || a === "read"))
    .map((rc) => {
      const name = rc.address
        .split(".")
        .slice(-1)[0]
        .replace(/\[.*\]$/, "");
      const attributes = rc.change.actions.includes("update") ? changedPaths(rc.change) : [];
      const explained = gaps.filter((g) => gapMatches(g, rc.type, name)).flatMap((g) => g.attributes);
      return {
        address: rc.address,
        actions: rc.change.actions,
        attributes,
        ignored:
          rc.change.actions.join() === "update" &&
          attributes.length > 0 &&
          attributes.every((changed) => explained.some((a) => covers(a, changed))),
      };
    });
}

/** State addresses of a stack's resources that the emulator cannot delete (state `resources` of the stack). */
export function notDeletable(state: {
  resources?: { mode?: string; type: string; name: string }[];
}): string[] {
  const gaps = EMULATOR_GAPS.filter((g) => g.kind === "not-deletable");
  return (state.resources ?? [])
    .filter((r) => r.mode !== "data" && gaps.some((g) => gapMatches(g, r.type, r.name)))
    .map((r) => `${r.type}.${r.name}`);
}
