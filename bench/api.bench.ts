/**
 * API handler latency against real local services (PostgreSQL, Redis, dynalite): the in-process handler time of
 * `GET /api/posts` and `GET /api/posts/{slug}` on a cache hit and on a miss (p50/p99), next to the bare Redis
 * round trip of the same lookup. Budget (issue 3): a cached `GET /api/posts` ≤ 2 ms p50 above that round trip.
 *
 * Run alone: `npx tsx bench/api.bench.ts` (BENCH_RUNS sets the number of hits, default 3000).
 */
import { createClient } from "@redis/client";
import * as fs from "fs";
import { performance } from "perf_hooks";
import { readWholeNumberVar } from "../shared/env-reader";

// Migrations are imported as text modules (esbuild's loader in bundles, a jest transform in tests): same here.
require.extensions[".sql"] = (module, filename) => {
  module.exports = fs.readFileSync(filename, "utf8");
};

const HITS = readWholeNumberVar("api benchmark", "BENCH_RUNS", 3000, process.env);
const MISSES = Math.max(100, Math.round(HITS / 6));
const BUDGET_ABOVE_REDIS_MS = 2;

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function main(): Promise<void> {
  const { startApiEnvironment, httpEvent } = await import("../__tests__/handlers/api/api-environment");
  const env = await startApiEnvironment();
  const redis = createClient({ socket: { host: env.redis.host, port: env.redis.port } });
  await redis.connect();
  let failed = false;
  try {
    const author = { sub: "bench-author", name: "Bench" };
    for (let i = 0; i < 30; i++) {
      const created = await env.api.handler(
        httpEvent("POST", "/api/posts", {
          claims: author,
          body: {
            slug: `post-${i}`,
            title: `Post ${i}`,
            excerpt: "An excerpt. ".repeat(10),
            body: "Body. ".repeat(500),
          },
        }),
      );
      if (created.statusCode !== 201)
        throw new Error(`seeding failed: ${created.statusCode} ${created.body}`);
    }
    const list = httpEvent("GET", "/api/posts", { query: { limit: "10" } });
    const post = httpEvent("GET", "/api/posts/post-7");

    const time = async (event: unknown, before?: () => Promise<unknown>) => {
      if (before) await before();
      const started = performance.now();
      const response = await env.api.handler(event);
      const elapsed = performance.now() - started;
      if (response.statusCode !== 200) throw new Error(`unexpected ${response.statusCode}: ${response.body}`);
      return { elapsed, cache: response.headers["x-cache"] };
    };
    const series = async (n: number, event: unknown, expected: string, before?: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < Math.min(200, n / 5); i++) await time(event, before); // warm-up
      for (let i = 0; i < n; i++) {
        const { elapsed, cache } = await time(event, before);
        if (cache !== expected) throw new Error(`expected a cache ${expected}, got ${cache}`);
        samples.push(elapsed);
      }
      return samples;
    };

    // The bare round trip of what a hit costs in Redis: one HGET of a list page.
    await env.api.handler(list);
    const roundTrips: number[] = [];
    for (let i = 0; i < HITS + 200; i++) {
      const started = performance.now();
      await redis.hGet("posts:list", "10:");
      if (i >= 200) roundTrips.push(performance.now() - started);
    }

    const listHits = await series(HITS, list, "hit");
    const listMisses = await series(MISSES, list, "miss", () => redis.del("posts:list"));
    const postHits = await series(HITS, post, "hit");
    const postMisses = await series(MISSES, post, "miss", () => redis.del("post:post-7"));

    const rtt50 = percentile(roundTrips, 50);
    const above = percentile(listHits, 50) - rtt50;
    const rows = [
      ["Redis HGET round trip", roundTrips],
      ["GET /api/posts, cache hit", listHits],
      ["GET /api/posts, cache miss", listMisses],
      ["GET /api/posts/{slug}, cache hit", postHits],
      ["GET /api/posts/{slug}, cache miss", postMisses],
    ] as const;
    console.log(
      `API handler time in process (node ${process.version}, ${HITS} hits / ${MISSES} misses per row)`,
    );
    console.log("| measurement | p50 | p99 |\n|---|---|---|");
    for (const [name, samples] of rows) {
      console.log(`| ${name} | ${fmt(percentile(samples, 50))} | ${fmt(percentile(samples, 99))} |`);
    }
    console.log(
      `\nCached GET /api/posts p50 above the Redis round trip: ${fmt(above)} (budget ${BUDGET_ABOVE_REDIS_MS} ms) → ${above <= BUDGET_ABOVE_REDIS_MS ? "OK" : "OVER BUDGET"}`,
    );
    failed = above > BUDGET_ABOVE_REDIS_MS;
  } finally {
    redis.destroy();
    await env.stop();
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
