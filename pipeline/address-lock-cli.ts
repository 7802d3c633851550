/**
 * npm run addresses:check / npm run addresses:update [-- --outdir <synth dir>] [--lock addresses.lock.json]
 * Compares (or, with --update, rewrites) the committed resource-address lock against the app's stacks:
 * a fresh synth into a temporary directory, or an existing synth output given with --outdir.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  LOCK_FILE_NAME,
  buildLock,
  checkLockFile,
  parseLock,
  formatLock,
  synthesizeApp,
  synthesizedAddresses,
} from "./address-lock";
import { parseCli, resolveOutdir, runCli } from "./cli";
import { AddressLockError } from "./errors";

function freshSynth() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "address-lock-"));
  try {
    synthesizeApp(process.cwd(), outdir);
    return synthesizedAddresses(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Volatile globs are a decision of the team, not of the synth: an update keeps them (none if the lock is broken). */
function previousVolatile(lockPath: string): readonly string[] {
  if (!fs.existsSync(lockPath)) return [];
  try {
    return parseLock(fs.readFileSync(lockPath, "utf8"), lockPath).volatile;
  } catch (error) {
    if (!(error instanceof AddressLockError)) throw error;
    console.error(`${(error as Error).message}\nRewriting it without volatile globs.`);
    return [];
  }
}

const USAGE = "tsx pipeline/address-lock-cli.ts [--update] [--outdir <synth dir>] [--lock <file>]";

runCli(async () => {
  const { values } = parseCli(
    { update: { type: "boolean", default: false }, outdir: { type: "string" }, lock: { type: "string" } },
    USAGE,
  );
  const lockPath = path.resolve(values.lock ?? LOCK_FILE_NAME);
  const synthesized = values.outdir ? synthesizedAddresses(resolveOutdir(values.outdir)) : freshSynth();
  if (values.update) {
    const volatile = previousVolatile(lockPath);
    // Written as the repository's formatter would, so that `npm run lint` accepts the committed lock.
    const prettier = await import("prettier");
    const options = (await prettier.resolveConfig(lockPath)) ?? {};
    const lock = buildLock(synthesized, volatile);
    const text = await prettier.format(formatLock(lock), { ...options, parser: "json" });
    fs.writeFileSync(lockPath, text);
    const count = Object.values(lock.stacks).reduce((n, addresses) => n + addresses.length, 0);
    console.log(`Wrote ${count} addresses of ${synthesized.size} stacks to ${lockPath}`);
    return 0;
  }
  const explanation = checkLockFile(lockPath, synthesized);
  if (explanation) {
    console.error(explanation);
    return 1;
  }
  console.log(`${lockPath}: every locked address is still there`);
  return 0;
});
