/**
 * Web benchmark (`npx tsx bench/web.bench.ts`): the site build time, the home page's JavaScript + CSS weight
 * (gzipped, as transferred) and the author page's with its lazily loaded folders chunk, the home page's largest
 * contentful paint under headless Chromium against `npm run dev` with posts and photos in it, and how long
 * `npm run dev` takes to be ready.
 * Goals: build < 300 ms, JS + CSS ≤ 50 KB gzipped, LCP ≤ 1 s, ready ≤ 10 s.
 */
import * as fs from "fs";
import { Jimp } from "jimp";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import {
  closeChromium,
  launchChromium,
  signInLocally,
  startDevServer,
  type RunningDevServer,
} from "../dev/harness";
import { buildSite, type SiteFile } from "../web/build";
import { readWholeNumberVar } from "../shared/env-reader";

const POSTS = readWholeNumberVar("web benchmark", "WEB_BENCH_POSTS", 8, process.env);
const LCP_RUNS = 7;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * The assets a page loads from the build: the script's static imports (`from"./x.js"`, what every page fetches)
 * and, with `lazy`, what its dynamic `import()`s pull in too (the author page's folder code).
 */
function loadedAssets(files: readonly SiteFile[], entry: SiteFile, lazy: boolean): SiteFile[] {
  const byName = new Map(files.map((f) => [path.posix.basename(f.path), f]));
  const seen = new Set<SiteFile>();
  const visit = (file: SiteFile) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(file.absolutePath, "utf8");
    const pattern = lazy ? /(?:from|import)\s*\(?"\.\/([^"]+\.js)"/g : /(?:from|import)\s*"\.\/([^"]+\.js)"/g;
    for (const [, name] of code.matchAll(pattern)) {
      const next = byName.get(name);
      if (next) visit(next);
    }
  };
  visit(entry);
  return [...seen];
}

function benchBuild(): {
  medianMs: number;
  maxMs: number;
  files: number;
  homeGzip: number;
  authorGzip: number;
  authorWithSdkGzip: number;
} {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "web-bench-"));
  const times: number[] = [];
  let files = buildSite({ outDir }); // warm-up: starts esbuild's service
  for (let i = 0; i < 10; i++) {
    const started = process.hrtime.bigint();
    files = buildSite({ outDir });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const gzip = (list: readonly SiteFile[]) =>
    list.reduce((sum, f) => sum + gzipSync(fs.readFileSync(f.absolutePath), { level: 9 }).length, 0);
  const script = (page: string) => {
    const found = files.find((f) => new RegExp(`^assets/${page}-[^/]+\\.js$`).test(f.path));
    if (!found) throw new Error(`the build has no assets/${page}-<hash>.js`);
    return found;
  };
  const css = files.filter((f) => f.path.endsWith(".css"));
  const result = {
    medianMs: median(times),
    maxMs: Math.max(...times),
    files: files.length,
    homeGzip: gzip([...loadedAssets(files, script("home"), false), ...css]),
    authorGzip: gzip([...loadedAssets(files, script("author"), false), ...css]),
    authorWithSdkGzip: gzip([...loadedAssets(files, script("author"), true), ...css]),
  };
  fs.rmSync(outDir, { recursive: true, force: true });
  return result;
}

/** A photo with some texture, so that its JPEG is of a realistic size. */
async function photo(seed: number): Promise<Buffer> {
  const image = new Jimp({ width: 1200, height: 800, color: 0x000000ff });
  image.scan(0, 0, image.bitmap.width, image.bitmap.height, (x, y, idx) => {
    const data = image.bitmap.data;
    data[idx] = (x * 3 + seed * 40) & 255;
    data[idx + 1] = (y * 2 + ((x * y) >> 7)) & 255;
    data[idx + 2] = (seed * 90 + ((x ^ y) & 63)) & 255;
  });
  return image.getBuffer("image/jpeg", { quality: 80 });
}

async function seed(dev: RunningDevServer): Promise<void> {
  const token = await signInLocally(dev.siteUrl, { email: "bench@example.com", name: "Bench Author" });
  const api = async (method: string, route: string, body: unknown) => {
    const response = await fetch(new URL(route, dev.apiUrl), {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const slugs: string[] = [];
  for (let i = 0; i < POSTS; i++) {
    const jpeg = await photo(i);
    const upload = (await api("POST", "uploads", { contentType: "image/jpeg", size: jpeg.length })) as {
      key: string;
      url: string;
      fields: Record<string, string>;
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("file", new Blob([new Uint8Array(jpeg)], { type: "image/jpeg" }), "photo.jpg");
    const stored = await fetch(upload.url, { method: "POST", body: form });
    if (!stored.ok) throw new Error(`upload: ${stored.status} ${await stored.text()}`);
    const created = await api("POST", "posts", {
      title: `Benchmark post ${i + 1}`,
      excerpt: "A post with a photo, made by the web benchmark.",
      body: "Some *text*.",
      coverKey: upload.key,
      photoKeys: [upload.key],
    });
    slugs.push(String(created.slug));
  }
  // Wait for the thumbnail function to finish every cover (asking each post: the API caches the list longer).
  const deadline = Date.now() + 180_000;
  for (const slug of slugs) {
    for (;;) {
      const post = (await (
        await fetch(new URL(`posts/${slug}`, dev.apiUrl), { cache: "no-store" })
      ).json()) as { cover?: { status?: string } };
      if (post.cover?.status === "ready") break;
      if (post.cover?.status === "failed") throw new Error(`the cover of ${slug} failed to process`);
      if (Date.now() > deadline) throw new Error("thumbnails were not ready within 180 s");
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

interface Measured {
  readonly lcp: number;
  readonly element: string;
  readonly transferred: number;
  readonly encoded: number;
  readonly timeline: string;
}

/**
 * Runs in the page. A string, not a function: the TypeScript loader would wrap named functions in a helper
 * that does not exist in the page.
 */
const MEASURE_IN_PAGE = `new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    const last = entries[entries.length - 1];
    if (!last) return;
    const resources = performance.getEntriesByType("resource");
    const assets = resources.filter((r) => /\\.(js|css)(\\?|$)/.test(r.name));
    const end = (pattern) => Math.round((resources.find((r) => pattern.test(r.name)) || { responseEnd: -1 }).responseEnd);
    const nav = performance.getEntriesByType("navigation")[0];
    resolve({
      lcp: last.startTime,
      element: last.element ? last.element.tagName.toLowerCase() + (last.url ? " " + new URL(last.url).pathname : "") : "?",
      transferred: assets.reduce((sum, r) => sum + r.transferSize, 0),
      encoded: assets.reduce((sum, r) => sum + r.encodedBodySize, 0),
      timeline: "html " + Math.round(nav.responseEnd) + " ms, js " + end(/\\.js/) + " ms, /api/posts " + end(/\\/api\\/posts/) +
        " ms, first cover " + end(/w400\\.jpg/) + " ms; /api/posts requested " + resources.filter((r) => /\\/api\\/posts/.test(r.name)).length + "x",
    });
  }).observe({ type: "largest-contentful-paint", buffered: true });
  setTimeout(() => resolve({ lcp: NaN, element: "none", transferred: 0, encoded: 0, timeline: "no LCP entry" }), 10000);
})`;

async function benchHomePage(dev: RunningDevServer): Promise<{
  lcpMs: number[];
  jsCssTransferred: number;
  jsCssEncoded: number;
  lcpElement: string;
  timeline: string;
}> {
  const browser = await launchChromium();
  const lcpMs: number[] = [];
  let jsCssTransferred = 0;
  let jsCssEncoded = 0;
  let lcpElement = "";
  let timeline = "";
  try {
    for (let run = 0; run < LCP_RUNS; run++) {
      // A new context each time: an empty cache, like a first visit.
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(dev.siteUrl, { waitUntil: "networkidle" });
      const measured = (await page.evaluate(MEASURE_IN_PAGE)) as Measured;
      if (run > 0) lcpMs.push(measured.lcp); // the first run also warms the API's cache and the server
      jsCssTransferred = measured.transferred;
      jsCssEncoded = measured.encoded;
      lcpElement = measured.element;
      timeline = measured.timeline;
      await context.close();
    }
  } finally {
    await closeChromium(browser);
  }
  return { lcpMs, jsCssTransferred, jsCssEncoded, lcpElement, timeline };
}

const ASSET_WEIGHT_IN_PAGE = `(() => {
  const assets = performance.getEntriesByType("resource").filter((r) => /\\.(js|css)(\\?|$)/.test(r.name));
  return {
    transferred: assets.reduce((sum, r) => sum + r.transferSize, 0),
    encoded: assets.reduce((sum, r) => sum + r.encodedBodySize, 0),
    files: assets.map((r) => new URL(r.name).pathname.replace(/^\\/assets\\//, "")),
  };
})()`;

/** The author page signed in, once its folder is reached (the folders chunk loaded): JS + CSS as Chromium fetched them. */
async function benchAuthorPage(
  dev: RunningDevServer,
): Promise<{ transferred: number; encoded: number; files: string[] }> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(new URL("/author.html", dev.siteUrl).toString());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dev\/oauth2\/authorize/);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Photos go straight to your own folder").waitFor({ timeout: 30_000 });
    await page.waitForLoadState("networkidle");
    const weight = (await page.evaluate(ASSET_WEIGHT_IN_PAGE)) as {
      transferred: number;
      encoded: number;
      files: string[];
    };
    await context.close();
    return weight;
  } finally {
    await closeChromium(browser);
  }
}

async function main(): Promise<void> {
  const build = benchBuild();
  console.log(
    `site build (in process, warm): median ${build.medianMs.toFixed(0)} ms, max ${build.maxMs.toFixed(0)} ms (goal < 300 ms)`,
  );
  console.log(`home JS + CSS gzipped (-9, from the build): ${kb(build.homeGzip)} (goal ≤ 50 KB)`);
  console.log(
    `author page JS + CSS gzipped (-9, from the build): ${kb(build.authorGzip)} initial, ${kb(build.authorWithSdkGzip)} with the lazy folders chunk (${build.files} files built)`,
  );

  const spawned = Date.now();
  const dev = await startDevServer();
  const wallReady = (Date.now() - spawned) / 1000;
  try {
    console.log(
      `npm run dev ready: ${dev.readySeconds.toFixed(1)} s as printed (from the launcher's start), ${wallReady.toFixed(1)} s from spawn incl. tsx (goal ≤ 10 s)`,
    );
    const seeding = Date.now();
    await seed(dev);
    console.log(
      `seeded ${POSTS} posts with photos and thumbnails in ${((Date.now() - seeding) / 1000).toFixed(1)} s`,
    );
    const home = await benchHomePage(dev);
    console.log(
      `home JS + CSS transferred by Chromium: ${kb(home.jsCssTransferred)} incl. headers, ${kb(home.jsCssEncoded)} gzipped bodies (goal ≤ 50 KB)`,
    );
    console.log(
      `home LCP (headless Chromium, cold cache, ${home.lcpMs.length} runs): median ${median(home.lcpMs).toFixed(0)} ms, max ${Math.max(...home.lcpMs).toFixed(0)} ms; element: ${home.lcpElement} (goal ≤ 1000 ms)`,
    );
    console.log(`last run: ${home.timeline}`);
    const author = await benchAuthorPage(dev);
    console.log(
      `author page signed in, folder reached, JS + CSS transferred by Chromium: ${kb(author.transferred)} incl. headers, ${kb(author.encoded)} gzipped bodies (${author.files.join(", ")})`,
    );
  } finally {
    await dev.stop("SIGINT");
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
