/**
 * Where the Checkov executable is: `CHECKOV_BINARY`, else the project's `.venv/bin/checkov`, else `checkov` on
 * PATH. Nothing is installed here; a missing Checkov is an error that says how to install it.
 */
import * as fs from "fs";
import * as path from "path";

export const INSTALL_HINT =
  "python3 -m venv .venv && .venv/bin/pip install -r requirements-test.txt (or set CHECKOV_BINARY)";

export class CheckovNotFoundError extends Error {
  constructor(detail: string) {
    super(`Checkov not found: ${detail}. Install it with: ${INSTALL_HINT}`);
    this.name = "CheckovNotFoundError";
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * @param root the project root (where `.venv/` lives)
 * @throws CheckovNotFoundError when none of the three places has it
 */
export function locateCheckov(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHECKOV_BINARY;
  if (configured !== undefined && configured !== "") {
    const file = path.resolve(root, configured);
    if (!isExecutable(file))
      throw new CheckovNotFoundError(`CHECKOV_BINARY=${configured} is not an executable file`);
    return file;
  }
  const venv = path.join(root, ".venv", "bin", "checkov");
  if (isExecutable(venv)) return venv;
  const found = onPath("checkov", env.PATH);
  if (found) return found;
  throw new CheckovNotFoundError("not in CHECKOV_BINARY, .venv/bin/checkov or PATH");
}
