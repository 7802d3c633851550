/**
 * `npm run bench`: runs every `bench/*.bench.ts` one after another (never in parallel: the machine has two
 * cores and the figures compare runs made side by side) and prints their figures.
 * Each benchmark can also be run alone: `npx tsx bench/<name>.bench.ts`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const only = process.argv.slice(2);
const dir = __dirname;
const benches = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const run = spawnSync(process.execPath, ["--import", "tsx", path.join(dir, bench)], { stdio: "inherit" });
  if (run.status !== 0) failed++;
}
if (failed > 0) {
  console.error(`${failed} benchmark(s) failed`);
  process.exit(1);
}
