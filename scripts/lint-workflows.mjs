// The shell half of `npm run lint`: actionlint over .github/workflows/ (expressions, contexts, action inputs, and
// shellcheck over every `run:` script) and shellcheck over the repository's own shell scripts (.ci/, scripts/).
// Both binaries ship inside PyPI wheels pinned in requirements-test.txt, which `prelint` installs into .venv/;
// ACTIONLINT_BINARY / SHELLCHECK_BINARY, else .venv/bin, else PATH.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

function locate(tool, variable) {
  const configured = process.env[variable];
  if (configured) {
    if (executable(configured)) return configured;
    throw new Error(`${variable}=${configured} is not an executable file`);
  }
  const venv = path.join(root, ".venv", "bin", tool);
  if (executable(venv)) return venv;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    if (executable(path.join(dir, tool))) return path.join(dir, tool);
  }
  throw new Error(
    `${tool} not found in ${variable}, .venv/bin or PATH: python3 -m venv .venv && .venv/bin/pip install -r ` +
      "requirements-test.txt",
  );
}

/** Files in .ci/ and scripts/ that are shell scripts: a `.sh` name or a sh/bash shebang. */
function shellScripts() {
  const found = [];
  for (const dir of [".ci", "scripts"]) {
    if (!existsSync(path.join(root, dir))) continue;
    for (const name of readdirSync(path.join(root, dir)).sort()) {
      const file = path.join(dir, name);
      if (!statSync(path.join(root, file)).isFile()) continue;
      const first = readFileSync(path.join(root, file), "utf8").split("\n", 1)[0];
      if (name.endsWith(".sh") || /^#!.*\b(?:ba|da)?sh\b/.test(first)) found.push(file);
    }
  }
  return found;
}

let actionlint;
let shellcheck;
try {
  actionlint = locate("actionlint", "ACTIONLINT_BINARY");
  shellcheck = locate("shellcheck", "SHELLCHECK_BINARY");
} catch (error) {
  console.error(`lint-workflows: ${error.message}`);
  process.exit(1);
}

const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: "inherit" }).status ?? 1;
const scripts = shellScripts();
// -pyflakes= : no workflow runs Python inline, and the project installs no pyflakes.
const workflows = run(actionlint, ["-shellcheck", shellcheck, "-pyflakes="]);
const shell = run(shellcheck, scripts);
if (workflows !== 0 || shell !== 0) process.exit(1);
console.log(`actionlint: .github/workflows clean; shellcheck: ${scripts.join(", ")} clean`);
