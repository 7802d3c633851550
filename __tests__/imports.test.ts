/**
 * Import rules between rooms, read from the sources (relative imports, `import type` included): the
 * modules of a room form no cycle; `shared/` (rules several rooms decide alike) imports nothing of the
 * project outside itself; the rule pack and the pipeline meet only there, never importing each other.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.[^"']+)["']/g;

/** Every .ts file below `dir` (relative to the root, `/`-separated) with the project files it imports. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const file = `${rel}/${entry.name}`;
      if (entry.isDirectory()) visit(file);
      else if (entry.name.endsWith(".ts")) graph.set(file, importsOf(file));
    }
  };
  visit(dir);
  return graph;
}

function importsOf(file: string): string[] {
  const source = fs.readFileSync(path.join(ROOT, file), "utf8");
  return [...source.matchAll(IMPORT)].flatMap(([, specifier]) => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    return [`${target}.ts`, `${target}/index.ts`].filter((f) => fs.existsSync(path.join(ROOT, f)));
  });
}

/** The import cycles among the graph's own files, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const walk = (file: string, trail: string[]) => {
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open")
        found.push([...trail, file, next].slice(trail.indexOf(next)).join(" → "));
      else if (!state.has(next)) walk(next, [...trail, file]);
    }
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) walk(file, []);
  return found;
}

const importsLeaving = (dir: string, forbidden: (target: string) => boolean) =>
  [...importGraph(dir)].flatMap(([file, targets]) =>
    targets.filter(forbidden).map((target) => `${file} → ${target}`),
  );

describe("import rules", () => {
  test.each(["pipeline/summary", "checks", "shared"])("the modules of %s form no import cycle", (dir) => {
    expect(cycles(importGraph(dir))).toEqual([]);
  });

  test("shared/ imports nothing of the project outside itself", () => {
    expect(importsLeaving("shared", (target) => !target.startsWith("shared/"))).toEqual([]);
  });

  test("the rule pack and the pipeline do not import each other", () => {
    expect(importsLeaving("checks", (target) => target.startsWith("pipeline/"))).toEqual([]);
    expect(importsLeaving("pipeline", (target) => target.startsWith("checks/"))).toEqual([]);
  });
});
