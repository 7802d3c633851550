/**
 * Compares two synthesized outputs (cdktf.out directories) file by file: JSON files by value (cdktf and cdktn
 * format empty arrays differently), everything else (function bundles) byte for byte. Each difference is either
 * one the switch to cdktn is allowed to make (migration/cdktn-rewrites.ts) or a finding.
 */
import * as fs from "fs";
import * as path from "path";
import { AllowedDifference, allowedDifference } from "./cdktn-rewrites";

export interface Difference {
  readonly file: string;
  /** JSON path inside the file; empty for a whole file (missing, or a binary that differs). */
  readonly path: readonly string[];
  readonly before: string;
  readonly after: string;
  readonly allowed?: AllowedDifference;
}

export interface Comparison {
  readonly files: number;
  readonly differences: readonly Difference[];
}

function filesUnder(root: string, dir = ""): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      return entry.isDirectory() ? filesUnder(root, relative) : [relative];
    })
    .sort();
}

const shown = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

function jsonDifferences(
  file: string,
  before: unknown,
  after: unknown,
  at: string[],
  out: Difference[],
): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const objects =
    typeof before === "object" && before !== null && typeof after === "object" && after !== null;
  if (objects && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const b = (before as Record<string, unknown>)[key];
      const a = (after as Record<string, unknown>)[key];
      jsonDifferences(file, b, a, [...at, key], out);
    }
    return;
  }
  out.push({
    file,
    path: at,
    before: shown(before),
    after: shown(after),
    allowed: allowedDifference(file, at, before),
  });
}

export function compareSynthOutputs(beforeDir: string, afterDir: string): Comparison {
  const beforeFiles = filesUnder(beforeDir);
  const afterFiles = new Set(filesUnder(afterDir));
  const differences: Difference[] = [];
  for (const file of beforeFiles) {
    if (!afterFiles.has(file)) {
      differences.push({ file, path: [], before: "(file)", after: "(absent)" });
      continue;
    }
    afterFiles.delete(file);
    const before = fs.readFileSync(path.join(beforeDir, file));
    const after = fs.readFileSync(path.join(afterDir, file));
    if (file.endsWith(".json")) {
      jsonDifferences(
        file,
        JSON.parse(before.toString("utf8")),
        JSON.parse(after.toString("utf8")),
        [],
        differences,
      );
    } else if (!before.equals(after)) {
      differences.push({
        file,
        path: [],
        before: `${before.length} bytes`,
        after: `${after.length} bytes, other`,
      });
    }
  }
  for (const file of afterFiles) differences.push({ file, path: [], before: "(absent)", after: "(file)" });
  return { files: beforeFiles.length, differences };
}

/** A report a person reads: allowed differences counted by kind, every other difference listed. */
export function describeComparison(comparison: Comparison): string {
  const findings = comparison.differences.filter((d) => !d.allowed);
  const counts = new Map<string, number>();
  for (const d of comparison.differences)
    if (d.allowed) counts.set(d.allowed, (counts.get(d.allowed) ?? 0) + 1);
  const lines = [
    `${comparison.files} files compared; allowed differences: ` +
      ([...counts].map(([kind, n]) => `${kind} ${n}`).join(", ") || "none"),
  ];
  const example = (kind: string) => comparison.differences.find((d) => d.allowed === kind);
  for (const kind of counts.keys()) {
    const d = example(kind)!;
    lines.push(`  e.g. ${d.file} ${d.path.join(".")}: ${d.before} → ${d.after}`);
  }
  if (findings.length === 0) lines.push("no other difference");
  else {
    lines.push(`${findings.length} difference(s) the switch must not make:`);
    for (const d of findings)
      lines.push(`  ${d.file} ${d.path.join(".") || "(whole file)"}: ${d.before} → ${d.after}`);
  }
  return lines.join("\n");
}
