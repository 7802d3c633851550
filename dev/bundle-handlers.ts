/**
 * Bundles handlers with the lead's `bundleHandler` (the exact artefact that ships to Lambda) in child processes,
 * two at a time, so that the dev server can start PostgreSQL and the AWS stand-ins meanwhile. A bundle newer than
 * every input (handlers/, shared/, lib/bundle.ts, types/, package-lock.json) is reused, so a second start is quick.
 *
 * The child processes run `dev/bundle-handlers-cli.ts`. A lock file serialises bundling between dev servers of one
 * checkout (the browser test suites start theirs in parallel): none rewrites a bundle another is loading.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ENTRY_FILE, handlerEntry } from "../lib/bundle";
import { PROJECT_ROOT } from "../lib/paths";

// Handlers import shared/ (author folders, the contracts) too.
const BUNDLE_INPUTS = ["handlers", "shared", "lib/bundle.ts", "types", "package-lock.json"];

function newestMtime(target: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(target)
    .reduce((newest, entry) => Math.max(newest, newestMtime(path.join(target, entry))), stat.mtimeMs);
}

/** The bundle directory when `.build/handlers/<name>/index.mjs` is newer than all bundle inputs, else undefined. */
export function freshBundle(name: string): string | undefined {
  const bundleDir = path.join(PROJECT_ROOT, ".build", "handlers", name);
  const output = path.join(bundleDir, ENTRY_FILE);
  if (!fs.existsSync(output)) return undefined;
  const inputs = Math.max(...BUNDLE_INPUTS.map((input) => newestMtime(path.join(PROJECT_ROOT, input))));
  return fs.statSync(output).mtimeMs > inputs ? bundleDir : undefined;
}

function bundleInChild(names: readonly string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const cli = path.join(PROJECT_ROOT, "dev", "bundle-handlers-cli.ts");
    const child = spawn(process.execPath, ["--import", "tsx", cli, ...names], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    // "close", not "exit": only then has all of the child's output been read.
    child.once("close", (code) => {
      try {
        if (code !== 0) throw new Error(stderr.trim() || `exit code ${code}`);
        resolve(JSON.parse(stdout) as Record<string, string>);
      } catch (error) {
        reject(
          new Error(
            `Bundling ${names.join(", ")} failed: ${error instanceof Error ? error.message : String(error)}${stderr ? `\n${stderr}` : ""}`,
          ),
        );
      }
    });
  });
}

const LOCK_FILE = path.join(PROJECT_ROOT, ".build", "dev", "bundle.lock");
const LOCK_WAIT_MS = 180_000;

/** A lock whose holder is gone (killed while bundling) does not block the next start. */
function lockHolderGone(): boolean {
  const pid = Number(fs.readFileSync(LOCK_FILE, { encoding: "utf8", flag: "r" }).trim());
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export async function withBundleLock<T>(work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(LOCK_FILE), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let gone = false;
      try {
        gone = lockHolderGone();
      } catch {
        continue; // released between the two calls
      }
      if (gone) fs.rmSync(LOCK_FILE, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`Another dev server has held ${LOCK_FILE} for minutes: is it stuck?`);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(LOCK_FILE, { force: true });
  }
}

/** Bundle directories of `names`, rebuilding the stale ones in (at most) two parallel child processes. */
export function bundleHandlers(names: readonly string[]): Promise<Record<string, string>> {
  return withBundleLock(() => bundleStale(names));
}

async function bundleStale(names: readonly string[]): Promise<Record<string, string>> {
  const dirs: Record<string, string> = {};
  const stale: string[] = [];
  for (const name of names) {
    const fresh = freshBundle(name);
    if (fresh) dirs[name] = fresh;
    else stale.push(name);
  }
  const groups = [stale.filter((_, i) => i % 2 === 0), stale.filter((_, i) => i % 2 === 1)].filter(
    (g) => g.length > 0,
  );
  for (const built of await Promise.all(groups.map(bundleInChild))) Object.assign(dirs, built);
  return dirs;
}

/** The functions of the application, in the order the dev server starts them. */
export const DEV_HANDLERS = [
  "migrate",
  "api",
  "welcome-email",
  "thumbnail",
  "upload-stats",
  "mail-feedback",
] as const;
export type DevHandler = (typeof DEV_HANDLERS)[number];

let started:
  { readonly available: DevHandler[]; readonly bundles: Promise<Record<string, string>> } | undefined;

/**
 * Starts bundling every handler whose entry exists, once per process: `npm run dev` calls it before loading its
 * heavier modules, so the bundling overlaps with them.
 */
export function bundleAvailableHandlers(): {
  readonly available: DevHandler[];
  readonly bundles: Promise<Record<string, string>>;
} {
  if (!started) {
    const available = DEV_HANDLERS.filter((name) => fs.existsSync(handlerEntry(name)));
    const bundles = bundleHandlers(available);
    bundles.catch(() => undefined);
    started = { available, bundles };
  }
  return started;
}
