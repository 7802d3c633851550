/**
 * Lambda artefacts: the zipped size of each handler bundle (built by `lib/bundle.ts`, exactly what ships) and its
 * module initialisation time (requiring the bundle in a fresh Node process with the environment the stacks set,
 * pointing at nothing: clients are created, no request is made). Budgets from issue 3.
 *
 * Init is measured on the Node.js major of the Lambda runtime (fetched by `./lambda-node.ts`; the budget applies
 * there) and, side by side in the same run, on this machine's Node for reference.
 *
 * Run alone: `npx tsx bench/bundles.bench.ts` (BENCH_RUNS sets the number of cold starts per handler, default 7).
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as os from "os";
import * as path from "path";
import { FUNCTIONS, tableVariables } from "../shared/contracts/functions";
import { ENTRY_FILE, bundleHandler } from "../lib/bundle";
import type { FunctionEnvironment, HandlerName } from "../lib/function-environment";
import { lambdaNode, lambdaNodeMajor } from "./lambda-node";
import { readWholeNumberVar } from "../shared/env-reader";

const RUNS = readWholeNumberVar("bundles benchmark", "BENCH_RUNS", 7, process.env);
const KB = 1024;
const INIT_BUDGET_MS = 150;

const common = {
  POWERTOOLS_SERVICE_NAME: "bench",
  LOG_LEVEL: "WARN",
  APP_VERSION: "bench",
  AWS_REGION: "us-east-1",
};
/** A handler's table variables (shared/contracts/functions.ts), each naming a table by its contract name. */
const tables = <H extends HandlerName>(name: H) => tableVariables(name, ({ table }) => table);
const database = { DB_HOST: "127.0.0.1", DB_PORT: "5432", DB_NAME: "blog", DB_SSL: "disable" };

/**
 * Each handler with its size budget and the environment variables its stack sets: the contract's static ones
 * (shared/contracts/functions.ts), placeholders for what names a resource (its tables by their contract names).
 */
const HANDLERS: { [H in HandlerName]: { budgetKb: number; env: FunctionEnvironment<H> } } = {
  api: {
    budgetKb: 400,
    env: {
      ...database,
      DB_USER: "blog_api",
      DB_AUTH: "iam",
      // Port 9 (discard) on loopback: the Redis client's first connection attempt fails at once, off the timed path.
      CACHE_HOST: "127.0.0.1",
      CACHE_PORT: "9",
      CACHE_TLS: "false",
      ...tables("api"),
      UPLOADS_BUCKET: "uploads",
      ...FUNCTIONS.api.environment,
      ORIGIN_VERIFY_SECRETS: randomBytes(32).toString("hex"),
    },
  },
  migrate: {
    budgetKb: 400,
    env: {
      ...database,
      DB_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:db",
      DB_API_USER: "blog_api",
    },
  },
  "welcome-email": {
    budgetKb: 250,
    env: {
      SES_SENDER: "blog@example.com",
      SES_CONFIGURATION_SET: "bench",
      ...tables("welcome-email"),
      SITE_URL: "https://blog.example",
    },
  },
  "mail-feedback": {
    budgetKb: 150,
    env: tables("mail-feedback"),
  },
  thumbnail: {
    budgetKb: 600,
    env: {
      UPLOADS_BUCKET: "uploads",
      MEDIA_BUCKET: "media",
      ...tables("thumbnail"),
      ...FUNCTIONS.thumbnail.environment,
    },
  },
  "upload-stats": {
    budgetKb: 250,
    env: tables("upload-stats"),
  },
  "release-hook": {
    budgetKb: 250,
    env: { TARGET_FUNCTION_NAME: "api" },
  },
};

/** Imports the bundle (an ES module, as Lambda does) in a new process and reports how long that took. */
const INIT_PROBE = `
const { performance } = require("perf_hooks");
const { pathToFileURL } = require("url");
const started = performance.now();
const cpu = process.cpuUsage();
import(pathToFileURL(process.argv[1]).href).then((mod) => {
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (typeof mod.handler !== "function") throw new Error("no handler export");
  process.stdout.write(JSON.stringify({ wall: elapsed, cpu: (used.user + used.system) / 1000 }));
  process.exit(0);
});
`;

/** Wall-clock and CPU milliseconds of the import: CPU time is what a busy shared machine distorts least. */
function initTimeMs(
  node: string,
  bundleFile: string,
  env: Readonly<Record<string, string | undefined>>,
): { wall: number; cpu: number } {
  const run = spawnSync(node, ["-e", INIT_PROBE, bundleFile], {
    env: { PATH: process.env.PATH ?? "", ...common, ...env },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`loading ${bundleFile} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as { wall: number; cpu: number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const runtimeNode = lambdaNode();
if ("unavailable" in runtimeNode) {
  console.warn(
    `Node ${lambdaNodeMajor()} (the Lambda runtime's) is not available (${runtimeNode.unavailable}); ` +
      `init is measured on this machine's ${process.version} only and judged there.`,
  );
}
const judgedNode =
  "unavailable" in runtimeNode ? { path: process.execPath, version: process.version } : runtimeNode;
const localNode = judgedNode.path === process.execPath ? undefined : process.execPath;

let failures = 0;
console.log(
  `Handler bundles (esbuild via lib/bundle.ts, zip level 9; init = ${RUNS} fresh processes on ${judgedNode.version}` +
    `${localNode ? ` and, alternately, on this machine's ${process.version}` : ""}; ${os.cpus().length} CPUs, ` +
    `load average ${os.loadavg()[0].toFixed(1)} at start)`,
);
console.log(
  `| handler | zipped | budget | init wall ${judgedNode.version} (min / median) | init CPU (median) |` +
    `${localNode ? ` init wall ${process.version} (median) |` : ""} verdict |\n` +
    `|---|---|---|---|---|${localNode ? "---|" : ""}---|`,
);
// Round-robin over handlers (and Node versions): a noisy minute on this shared machine then slows every handler a
// little instead of one handler a lot.
const bundles = (Object.keys(HANDLERS) as HandlerName[]).map((name) => ({
  name,
  bundle: bundleHandler(name),
}));
const samples = new Map(
  bundles.map(({ name }) => [name, { judged: [] as { wall: number; cpu: number }[], local: [] as number[] }]),
);
for (let run = 0; run < RUNS; run++) {
  for (const { name, bundle } of bundles) {
    const file = path.join(bundle.bundleDir, ENTRY_FILE);
    const { env } = HANDLERS[name];
    samples.get(name)!.judged.push(initTimeMs(judgedNode.path, file, env));
    if (localNode) samples.get(name)!.local.push(initTimeMs(localNode, file, env).wall);
  }
}
for (const { name, bundle } of bundles) {
  const { budgetKb } = HANDLERS[name];
  const { judged, local } = samples.get(name)!;
  const inits = judged.map((sample) => sample.wall);
  const cpu = median(judged.map((sample) => sample.cpu));
  const sizeOk = bundle.zipBytes <= budgetKb * KB;
  const initOk = median(inits) <= INIT_BUDGET_MS;
  if (!sizeOk || !initOk) failures++;
  const verdict =
    sizeOk && initOk
      ? "OK"
      : `OVER (${[sizeOk ? "" : "size", initOk ? "" : "init"].filter(Boolean).join(", ")})`;
  console.log(
    `| ${name} | ${(bundle.zipBytes / KB).toFixed(1)} KB | ${budgetKb} KB | ${Math.min(...inits).toFixed(1)} / ` +
      `${median(inits).toFixed(1)} ms | ${cpu.toFixed(1)} ms |${localNode ? ` ${median(local).toFixed(1)} ms |` : ""} ${verdict} |`,
  );
}
if (failures > 0) {
  console.error(
    `${failures} handler(s) over budget (init budget ${INIT_BUDGET_MS} ms on ${judgedNode.version})`,
  );
  process.exitCode = 1;
}
