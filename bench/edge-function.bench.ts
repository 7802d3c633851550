/**
 * Edge function benchmark (`npx tsx bench/edge-function.bench.ts`): the run time of edge/viewer-request.js per
 * kind of CloudFront viewer-request event, against CloudFront Functions' 1 ms compute budget.
 *
 * What is measured: wall time of `handler(event)` in Node's V8 (edge/runtime.ts evaluates the file in an empty
 * context), events built beforehand, for (a) the first call in a fresh context (no JIT: closest to an
 * interpreter's cost) and (b) the median per call over batches of warm calls. CloudFront itself reports compute
 * utilisation (0-100 % of the allowed time) from its own JavaScript engine, which does not JIT: these figures show
 * the order of magnitude, and (a) is the one to compare with the budget.
 * Goal: every shape ≤ 0.1 ms cold (a tenth of the budget).
 */
import { loadViewerRequest, viewerRequestCode, viewerRequestEvent } from "../edge/runtime";

const SHAPES: ReadonlyArray<[string, string, string]> = [
  ["home page (rewrite)", "/", "blog.example.com"],
  ["post page (rewrite)", "/posts/harbour-at-dawn", "blog.example.com"],
  ["asset (pass through)", "/assets/home-WQNC5B4R.js", "blog.example.com"],
  ["old link (301)", "/post.html?slug=harbour-at-dawn&utm_source=mail", "blog.example.com"],
  ["untidy path (301)", "/Posts/Harbour-At-Dawn/", "blog.example.com"],
  ["www host (301)", "/author?edit=harbour-at-dawn", "www.blog.example.com"],
  ["unknown path (404 page)", "/wp-login.php", "blog.example.com"],
];
const BATCH = 10_000;
const BATCHES = 15;
const BUDGET_MS = 1;
const GOAL_MS = 0.1;

const event = (url: string, host: string) =>
  viewerRequestEvent("GET", url, {
    host,
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36",
    accept: "text/html,application/xhtml+xml",
    "accept-encoding": "gzip, br",
  });

const code = viewerRequestCode();
const rows: string[] = [];
let failed = false;
for (const [name, url, host] of SHAPES) {
  // (a) cold: a fresh context per sample, first call only
  const cold: number[] = [];
  for (let i = 0; i < 50; i++) {
    const handler = loadViewerRequest(code);
    const input = event(url, host);
    const start = process.hrtime.bigint();
    handler(input);
    cold.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  // (b) warm: batches on one context, events prepared outside the timed loop (the function changes request.uri)
  const handler = loadViewerRequest(code);
  const perCall: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const inputs = Array.from({ length: BATCH }, () => event(url, host));
    const start = process.hrtime.bigint();
    for (const input of inputs) handler(input);
    perCall.push(Number(process.hrtime.bigint() - start) / 1e6 / BATCH);
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const coldMs = median(cold);
  const warmMs = median(perCall);
  if (coldMs > GOAL_MS) failed = true;
  rows.push(
    `| ${name} | ${(coldMs * 1000).toFixed(1)} µs | ${(warmMs * 1000).toFixed(2)} µs | ${((coldMs / BUDGET_MS) * 100).toFixed(1)} % |`,
  );
}
console.log(`edge/viewer-request.js: ${Buffer.byteLength(code)} bytes of 10240; Node ${process.version}`);
console.log(
  "| event | first call, fresh context (median of 50) | warm, per call (median of 15 × 10 000) | cold / 1 ms budget |",
);
console.log("|---|---|---|---|");
for (const row of rows) console.log(row);
if (failed) {
  console.error(`an event shape took more than ${GOAL_MS} ms on its first call`);
  process.exitCode = 1;
}
