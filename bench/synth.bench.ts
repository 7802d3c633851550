/**
 * Synth speed and memory (issue 2: all stacks of all environments ≤ 5 s wall and ≤ 600 MB peak RSS with the
 * cdktf CLI; the app alone ≤ 2 s; ≥ 3× faster than running it the way cdktf's template does, `ts-node main.ts`).
 *
 * Four ways run interleaved, several rounds, in one process, so machine noise hits them alike; medians are
 * reported. The fourth is the floor of the CLI: `npx cdktf synth` of an app with one empty stack, in a
 * scratch project that shares our node_modules. It shows how much of the CLI's wall time is the CLI itself.
 * Peak RSS is the largest single process of each run's tree (GNU time's %M).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { readWholeNumberVar } from "../shared/env-reader";

const ROUNDS = readWholeNumberVar("synth benchmark", "BENCH_ROUNDS", 5, process.env);
const STACKS = 11;

interface Way {
  readonly name: string;
  readonly command: string[];
  /** Working directory; the project root unless set. */
  readonly cwd?: string;
  /** Stacks the run must write (a run that writes fewer did not synthesize the app). */
  readonly stacks: number;
}

/** A cdktf project with one empty stack, run by the same CLI from the same node_modules. */
function emptyAppProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-floor-"));
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.writeFileSync(
    path.join(dir, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: "node app.js", sendCrashReports: "false" }),
  );
  fs.writeFileSync(
    path.join(dir, "app.js"),
    'const { App, TerraformStack } = require("cdktf");\n' +
      'const app = new App();\nnew TerraformStack(app, "empty");\napp.synth();\n',
  );
  return dir;
}

const floorProject = emptyAppProject();
const ways: Way[] = [
  {
    name: "`npx cdktf synth` (CLI + app)",
    command: ["npx", "cdktf", "synth", "--output", "{out}"],
    stacks: STACKS,
  },
  {
    name: "app alone (`node scripts/run-app.mjs`: esbuild bundle + node)",
    command: [process.execPath, "scripts/run-app.mjs"],
    stacks: STACKS,
  },
  {
    name: "app via `npx ts-node main.ts` (cdktf template)",
    command: ["npx", "ts-node", "main.ts"],
    stacks: STACKS,
  },
  {
    name: "CLI floor: `npx cdktf synth` of one empty stack",
    command: ["npx", "cdktf", "synth", "--output", "{out}"],
    cwd: floorProject,
    stacks: 1,
  },
];

function run(way: Way): { seconds: number; peakMb: number } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
  const args = way.command.map((a) => a.replace("{out}", out));
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...args], {
    cwd: way.cwd ?? PROJECT_ROOT,
    // CHECKPOINT_DISABLE: no version check against checkpoint.hashicorp.com (CI sets it too).
    env: { ...process.env, CDKTF_OUTDIR: out, CI: "1", CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${way.name} failed:\n${result.stderr.slice(-2000)}`);
  const [seconds, kb] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  const stacks = fs.readdirSync(path.join(out, "stacks")).length;
  if (stacks !== way.stacks) throw new Error(`${way.name} wrote ${stacks} stacks, expected ${way.stacks}`);
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds, peakMb: kb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const samples = new Map(ways.map((w) => [w.name, { seconds: [] as number[], peakMb: [] as number[] }]));
  run(ways[1]); // warm-up: handler bundles and the app bundle are cached from here on, as after any first synth
  for (let round = 0; round < ROUNDS; round++) {
    for (const way of ways) {
      const { seconds, peakMb } = run(way);
      samples.get(way.name)!.seconds.push(seconds);
      samples.get(way.name)!.peakMb.push(peakMb);
    }
  }

  console.log(
    `synth of all ${STACKS} stacks (dev + prod + state-bootstrap), median of ${ROUNDS} interleaved rounds, ` +
      `${os.cpus().length} cores, node ${process.version}`,
  );
  console.log("| way | wall (s) | min–max (s) | peak RSS (MB) |");
  console.log("|---|---|---|---|");
  for (const way of ways) {
    const s = samples.get(way.name)!;
    const range = `${Math.min(...s.seconds).toFixed(2)}–${Math.max(...s.seconds).toFixed(2)}`;
    console.log(
      `| ${way.name} | ${median(s.seconds).toFixed(2)} | ${range} | ${median(s.peakMb).toFixed(0)} |`,
    );
  }
  const seconds = (i: number) => median(samples.get(ways[i].name)!.seconds);
  console.log(`app alone vs ts-node template: ${(seconds(2) / seconds(1)).toFixed(1)}x faster`);
  console.log(`CLI + app minus CLI floor: ${(seconds(0) - seconds(3)).toFixed(2)} s added by this app`);
} finally {
  fs.rmSync(floorProject, { recursive: true, force: true });
}
