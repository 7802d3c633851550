/**
 * Synth speed and memory (issue: all stacks of all environments ≤ 5 s wall and ≤ 600 MB peak RSS with the
 * cdktf CLI; the app alone ≤ 2 s; ≥ 3× faster than running it the way cdktf's template does, `ts-node main.ts`).
 * The three ways run interleaved, several rounds, in one process, so machine noise hits them alike;
 * medians are reported. Peak RSS is the largest process of each run's tree (GNU time's %M).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Way {
  readonly name: string;
  readonly command: string[];
}

const ways: Way[] = [
  { name: "npx cdktf synth (CLI + app)", command: ["npx", "cdktf", "synth", "--output", "{out}"] },
  { name: "app alone (esbuild bundle + node)", command: [process.execPath, "scripts/run-app.mjs"] },
  { name: "app via npx ts-node main.ts (template)", command: ["npx", "ts-node", "main.ts"] },
];

function run(way: Way): { seconds: number; peakMb: number } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
  const args = way.command.map((a) => a.replace("{out}", out));
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: out, CI: "1" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${way.name} failed:\n${result.stderr.slice(-2000)}`);
  const [seconds, kb] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  const stacks = fs.readdirSync(path.join(out, "stacks")).length;
  if (stacks !== 11) throw new Error(`${way.name} wrote ${stacks} stacks, expected 11`);
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds, peakMb: kb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const samples = new Map<string, { seconds: number[]; peakMb: number[] }>(
  ways.map((w) => [w.name, { seconds: [], peakMb: [] }]),
);
for (let round = 0; round < ROUNDS; round++) {
  for (const way of ways) {
    const { seconds, peakMb } = run(way);
    samples.get(way.name)!.seconds.push(seconds);
    samples.get(way.name)!.peakMb.push(peakMb);
  }
}

console.log(
  `synth of all 11 stacks (dev + prod + state-bootstrap), median of ${ROUNDS} interleaved rounds, ${os.cpus().length} cores`,
);
console.log("| way | wall (s) | peak RSS (MB) |");
console.log("|---|---|---|");
for (const way of ways) {
  const s = samples.get(way.name)!;
  console.log(`| ${way.name} | ${median(s.seconds).toFixed(2)} | ${median(s.peakMb).toFixed(0)} |`);
}
const app = median(samples.get(ways[1].name)!.seconds);
const template = median(samples.get(ways[2].name)!.seconds);
console.log(`app alone vs ts-node template: ${(template / app).toFixed(1)}x faster`);
