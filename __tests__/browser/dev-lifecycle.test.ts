/**
 * `npm run dev` as a developer uses it: it starts on the port from PORT, serves the site, the API (real handler
 * bundles) and the local sign-in configuration, and Ctrl-C stops everything, leaving no process behind.
 */
import * as fs from "fs";
import {
  closeChromium,
  descendantsOf,
  isRunning,
  launchChromium,
  screenshot,
  signInLocally,
  startDevServer,
  type RunningDevServer,
} from "../../dev/harness";
import { SAMPLE_AUTHOR, SAMPLE_TITLE_PREFIX } from "../../dev/sample-content";
import { freePort } from "../../local/ports";

jest.setTimeout(180_000);

const commandOf = (pid: number): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
};

const servers: RunningDevServer[] = [];
async function start(env: Record<string, string> = {}): Promise<RunningDevServer> {
  const server = await startDevServer(env);
  servers.push(server);
  return server;
}

afterAll(async () => {
  // Whatever a failed test left running (stop() is a no-op for a server that has exited).
  await Promise.all(servers.map((server) => server.stop("SIGINT")));
});

test("starts, serves the site and the API, and Ctrl-C stops every process it started", async () => {
  const dev = await start();
  expect(dev.siteUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(dev.apiUrl).toBe(`${dev.siteUrl}api/`);

  const home = await fetch(dev.siteUrl);
  expect(home.status).toBe(200);
  expect(home.headers.get("cache-control")).toBe("no-cache");
  expect(home.headers.get("content-security-policy")).toContain("script-src 'self'");
  const html = await home.text();
  const script = /src="(\/assets\/home-[A-Z0-9]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const asset = await fetch(new URL(script as string, dev.siteUrl));
  expect(asset.status).toBe(200);
  expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");

  const health = await fetch(`${dev.apiUrl}health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ checks: { database: "up" } });

  // Author routes go through the local JWT authorizer, as API Gateway would: no token, no entry.
  const unauthorized = await fetch(`${dev.apiUrl}posts`, {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json" },
  });
  expect(unauthorized.status).toBe(401);
  expect(await unauthorized.json()).toEqual({ message: "Unauthorized" });

  // Paths no route matches still reach the handler, which answers for itself.
  const unknown = await fetch(`${dev.apiUrl}nope`);
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ error: { code: expect.any(String) } });

  const config = await (await fetch(new URL("/config.json", dev.siteUrl))).json();
  expect(config.auth).toMatchObject({ authorizeUrl: "/dev/oauth2/authorize", tokenUrl: "/dev/oauth2/token" });

  const inbox = await fetch(dev.sesInboxUrl);
  expect(inbox.status).toBe(200);

  const pids = descendantsOf(dev.child.pid as number);
  // tsx, the server, PostgreSQL (with its own workers), the function environments, and Redis when installed.
  expect(pids.length).toBeGreaterThanOrEqual(4);

  const code = await dev.stop("SIGINT");
  expect(code).toBe(0);
  expect(dev.output()).toContain("SIGINT: stopping");
  const deadline = Date.now() + 5000;
  while (pids.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(pids.filter(isRunning)).toEqual([]);
});

test("without Redis the API runs uncached (with a notice), and SIGTERM stops everything too", async () => {
  const dev = await start({ DEV_REDIS: "off" });
  expect(dev.output()).toContain("Notice: the API runs without its cache (DEV_REDIS=off).");
  expect(dev.output()).toMatch(/Cache:\s+off/);
  const health = await fetch(`${dev.apiUrl}health`);
  expect(health.status).toBe(200);
  const posts = await fetch(`${dev.apiUrl}posts`);
  expect(posts.status).toBe(200);
  expect(await posts.json()).toEqual({ posts: [], nextCursor: null });

  const pids = descendantsOf(dev.child.pid as number);
  expect(pids.some((pid) => /redis-server/.test(commandOf(pid)))).toBe(false);
  expect(await dev.stop("SIGTERM")).toBe(0);
  expect(dev.output()).toContain("SIGTERM: stopping");
  const deadline = Date.now() + 5000;
  while (pids.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(pids.filter(isRunning)).toEqual([]);
});

test("a request during start-up or shutdown is answered (503 with Retry-After, or the real answer) or refused, never left hanging", async () => {
  const port = await freePort();
  const starting = start({ PORT: String(port) });
  const url = `http://127.0.0.1:${port}/api/health`;
  const answers: number[] = [];
  let ready = false;
  starting.then(
    () => (ready = true),
    () => (ready = true),
  );
  while (!ready) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      answers.push(response.status);
      if (response.status === 503) {
        expect(response.headers.get("retry-after")).toBe("1");
        expect(await response.json()).toMatchObject({ message: "Service Unavailable" });
      } else await response.arrayBuffer();
    } catch (error) {
      // Refused before the port is open; a timeout (a request left hanging) fails the test.
      expect(String((error as Error).cause ?? error)).toMatch(/ECONNREFUSED/);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const dev = await starting;
  expect(answers).toContain(503);
  expect((await fetch(url)).status).toBe(200);

  // While it stops: every request still gets an answer or a refused connection.
  const stopped = dev.stop("SIGINT");
  let done = false;
  void stopped.then(() => (done = true));
  while (!done) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      expect([200, 503]).toContain(response.status);
      await response.arrayBuffer();
    } catch (error) {
      expect(String((error as Error).cause ?? error)).toMatch(/ECONNREFUSED|ECONNRESET|other side closed/);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await stopped).toBe(0);
});

test("a first run shows sample posts with real photos and thumbnails, editable by the sign-in form's default author; DEV_SAMPLES=off starts empty", async () => {
  const dev = await start({ DEV_SAMPLES: "" }); // the harness turns samples off unless asked
  interface Listed {
    posts: Array<{ slug: string; title: string; excerpt: string; coverThumbnailUrl?: string | null }>;
  }
  let listed: Listed = { posts: [] };
  const deadline = Date.now() + 90_000;
  // Ask once they are published (the API caches its list: an earlier answer would be an empty list for a while).
  while (!/Sample content: |sample content could not/.test(dev.output()) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  expect(dev.output()).toMatch(/Sample content: 3 posts by author@example\.com/);
  while (Date.now() < deadline) {
    listed = (await (await fetch(`${dev.apiUrl}posts`)).json()) as Listed;
    if (listed.posts.length === 3 && listed.posts.every((p) => p.coverThumbnailUrl)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(listed.posts).toHaveLength(3);
  for (const post of listed.posts) {
    expect(post.title.startsWith(SAMPLE_TITLE_PREFIX)).toBe(true);
    expect(post.excerpt).toMatch(/Sample content/);
    expect(post.coverThumbnailUrl).toBeTruthy();
  }
  expect(dev.output()).toMatch(/Sample content: 3 posts by author@example\.com/);

  // A post page: its photos went through the thumbnail function and the thumbnails are real JPEGs.
  const slug = listed.posts[0].slug;
  const post = (await (await fetch(`${dev.apiUrl}posts/${slug}`)).json()) as {
    photos: Array<{ status: string; thumbnails?: Record<string, string> }>;
  };
  expect(post.photos).toHaveLength(2);
  for (const photo of post.photos) {
    if (photo.status !== "ready") continue; // the second photo may still be on its way
    for (const url of Object.values(photo.thumbnails ?? {})) {
      const thumbnail = await fetch(new URL(url, dev.siteUrl));
      expect(thumbnail.status).toBe(200);
      expect(Buffer.from(await thumbnail.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    }
  }
  expect(post.photos[0].status).toBe("ready");

  // The author area: signing in with the form's defaults gives the samples' author, who may edit them.
  const token = await signInLocally(dev.siteUrl, SAMPLE_AUTHOR);
  const updated = await fetch(`${dev.apiUrl}posts/${slug}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ excerpt: "Edited sample." }),
  });
  expect(updated.status).toBe(200);
  const author = await fetch(`${dev.siteUrl}author`);
  expect(author.status).toBe(200);

  // What a newcomer sees, in Chromium: the home page with the samples' covers, a post page with its photos,
  // the author area editing a sample after signing in with the form's defaults.
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    page.setDefaultTimeout(30_000);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    /** Every image matched is decoded with real pixels (not a broken-image placeholder). */
    const imagesShown = (selector: string) =>
      page.waitForFunction((sel) => {
        const images = Array.from(document.querySelectorAll<HTMLImageElement>(sel));
        return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
      }, selector);

    await page.goto(dev.siteUrl);
    await page.locator(".post-card").nth(2).waitFor();
    const titles = await page.locator(".post-card h2").allTextContents();
    expect(titles).toHaveLength(3);
    expect(titles.every((title) => title.startsWith(SAMPLE_TITLE_PREFIX))).toBe(true);
    await expect(page.locator(".post-card img").count()).resolves.toBe(3);
    await imagesShown(".post-card img");
    await screenshot(page, "10-samples-home");

    await page.locator(".post-card h2 a").first().click();
    await page.waitForURL(/\/posts\//);
    const photos = page.locator("figure.photo img"); // the ready ones; they load lazily, so bring each into view
    await photos.first().waitFor();
    for (let i = 0; i < (await photos.count()); i++) await photos.nth(i).scrollIntoViewIfNeeded();
    await imagesShown("figure.photo img");
    await screenshot(page, "11-samples-post");

    await page.goto(new URL("/author", dev.siteUrl).toString());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign in" }).click(); // the local sign-in form, with its defaults
    await page.getByText("Signed in as").waitFor();
    await page.goto(new URL(`/author?edit=${encodeURIComponent(slug)}`, dev.siteUrl).toString());
    await page.getByRole("heading", { name: "Edit post" }).waitFor();
    await expect(page.getByLabel("Title").inputValue()).resolves.toMatch(
      new RegExp(`^${SAMPLE_TITLE_PREFIX}`),
    );
    await page.locator('.photo-row[data-status="ready"]').first().waitFor();
    await screenshot(page, "12-samples-author");
    expect(problems).toEqual([]);
  } finally {
    await closeChromium(browser);
  }
  expect(await dev.stop("SIGINT")).toBe(0);
});

test("a bad PORT is refused with a clear message", async () => {
  await expect(startDevServer({ PORT: "not-a-port" }, 30_000)).rejects.toThrow(
    /The dev server.s environment is invalid: PORT must be a whole number from 0 to 65535, got "not-a-port"/,
  );
});
