// How cdktf runs the app (cdktf.json "app"): bundle main.ts and our own modules with esbuild into one
// file (dependencies stay external, loaded from node_modules), then run it with plain node. This skips
// ts-node's type checking on every synth; `npm run typecheck` checks types separately.
import { buildSync } from "esbuild";
import { createRequire } from "module";
import * as path from "path";
import { fileURLToPath } from "url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, ".build", "app", "main.js");
buildSync({
  absWorkingDir: root,
  entryPoints: ["main.ts"],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  loader: { ".sql": "text", ".html": "text", ".txt": "text" },
  logLevel: "warning",
});
createRequire(import.meta.url)(outfile);
