/**
 * The project root, found from this file's location rather than the working directory, so that the app,
 * the tests and the scripts agree wherever they are started from. (The app bundle lives in `.build/`.)
 */
import * as fs from "fs";
import * as path from "path";

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdktf.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot(__dirname);
