// How cdktf runs the app (cdktf.json "app"): bundle main.ts and our own modules with esbuild into one
// file (dependencies stay external, loaded from node_modules), then run it with plain node. This skips
// ts-node's type checking on every synth; `npm run typecheck` checks types separately.
// The bundle is rebuilt only when one of its inputs changed (compared by content).
import { createHash } from "crypto";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { fileURLToPath } from "url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, ".build", "app", "main.js");
const recordFile = path.join(root, ".build", "app", "main.inputs.json");
const options = {
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
};

/** Hash of the build options and of every input's bytes; undefined when an input is gone. */
function inputsKey(inputs) {
  const hash = createHash("sha256").update(JSON.stringify(options));
  for (const input of inputs) {
    const file = path.join(root, input);
    if (!fs.existsSync(file)) return undefined;
    hash.update(`${input}\0`).update(fs.readFileSync(file));
  }
  return hash.digest("hex");
}

function writeAtomically(file, data) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

function upToDate() {
  if (!fs.existsSync(outfile) || !fs.existsSync(recordFile)) return false;
  try {
    const record = JSON.parse(fs.readFileSync(recordFile, "utf8"));
    return Array.isArray(record.inputs) && inputsKey(record.inputs) === record.key;
  } catch {
    return false;
  }
}

if (!upToDate()) {
  const { buildSync } = await import("esbuild");
  const result = buildSync({ ...options, metafile: true, write: false });
  const inputs = Object.keys(result.metafile.inputs).sort();
  // Temporary file + rename: a synth running at the same time (parallel tests) never loads half a bundle.
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  writeAtomically(outfile, result.outputFiles[0].contents);
  writeAtomically(recordFile, JSON.stringify({ key: inputsKey(inputs), inputs }));
}
createRequire(import.meta.url)(outfile);
