/**
 * The README's architecture diagram draws exactly the cross-stack dependencies cdktf records in the manifest, so
 * the documented deploy order cannot drift from the real one.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import { synthApp } from "./synth";

/** `a --> b` edges of the README's mermaid diagram, as "b needs a". */
function documentedEdges(): string[] {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return [...diagram.matchAll(/^\s*(\w+) --> (\w+)\s*$/gm)]
    .map(([, from, to]) => `${to} needs ${from}`)
    .sort();
}

test("the README's diagram draws the manifest's dependencies, every one and no other", () => {
  const app = synthApp();
  const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { dependencies?: string[] }>;
  };
  const layer = (stack: string) => stack.replace(/^myblog-dev-/, "");
  const real = Object.entries(manifest.stacks)
    .filter(([name]) => name.startsWith("myblog-dev-"))
    .flatMap(([name, stack]) => (stack.dependencies ?? []).map((dep) => `${layer(name)} needs ${layer(dep)}`))
    .sort();
  expect(real).toContain("edge needs api");
  expect(documentedEdges()).toEqual(real);
});
