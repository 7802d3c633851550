/**
 * The edge in `npm run dev`, in Chromium: the viewer-request function's URLs and 404 page, the unavailable page
 * CloudFront serves for a 502/504, and the API's own JSON errors passing the error table unchanged.
 */
import * as fs from "fs";
import * as http from "http";
import { tmpdir } from "os";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { RETRY_AFTER_SECONDS } from "../../edge/error-responses";
import { withErrorPages } from "../../dev/edge-function";
import { closeChromium, launchChromium, startDevServer, type RunningDevServer } from "../../dev/harness";
import { dispatch } from "../../dev/routes/dispatch";
import { answer, send } from "../../dev/routes/respond";
import { StaticSite } from "../../dev/static-site";

jest.setTimeout(180_000);

let dev: RunningDevServer;
let browser: Browser;

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDevServer(), launchChromium()]);
});
afterAll(async () => {
  await closeChromium(browser);
  await dev?.stop();
});

async function open(url: string): Promise<{ page: Page; status: number | undefined }> {
  const page = await (await browser.newContext()).newPage();
  const response = await page.goto(url);
  return { page, status: response?.status() };
}

test("an unknown path gets the 404 page, with a way home", async () => {
  const { page, status } = await open(new URL("/no/such/page", dev.siteUrl).toString());
  expect(status).toBe(404);
  await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
  await page.getByRole("link", { name: "Go to the latest posts" }).click();
  await page.getByRole("heading", { level: 1, name: "Latest posts" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/");
});

test("old links and untidy paths land on the readable URL; the post page reads its slug from it", async () => {
  const old = await open(new URL("/post.html?slug=no-such-post", dev.siteUrl).toString());
  expect(new URL(old.page.url()).pathname).toBe("/posts/no-such-post");
  // The post page itself (status 200): the edge cannot know which posts exist; the page says so.
  expect(old.status).toBe(200);
  await old.page.getByRole("heading", { level: 1, name: "Post not found" }).waitFor();
  const untidy = await open(new URL("/Author/", dev.siteUrl).toString());
  expect(new URL(untidy.page.url()).pathname).toBe("/author");
  const redirect = await fetch(new URL("/index.html", dev.siteUrl), { redirect: "manual" });
  expect([redirect.status, redirect.headers.get("location")]).toEqual([301, "/"]);
});

test("the API's own JSON errors reach clients unchanged through the edge's error table", async () => {
  const notFound = await fetch(new URL("/api/posts/no-such-post", dev.siteUrl));
  expect(notFound.status).toBe(404);
  expect(notFound.headers.get("content-type")).toMatch(/^application\/json/);
  expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe("post_not_found");
  const invalid = await fetch(new URL("/api/subscribe", dev.siteUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "not-an-address" }),
  });
  expect(invalid.status).toBe(400);
  expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
  // Not a site path either: the function never runs for /api/*, so no redirect or 404 page there.
  const odd = await fetch(new URL("/api/Posts/", dev.siteUrl), { redirect: "manual" });
  expect(odd.headers.get("content-type")).toMatch(/^application\/json/);
});

describe("the error table on the origins' answers (dev/edge-function.ts over the dev dispatcher)", () => {
  // An origin that answers what a failing API Gateway or the API would: the edge code and the page are the real ones.
  const outDir = fs.mkdtempSync(path.join(tmpdir(), "edge-errors-"));
  const site = new StaticSite({ outDir, watch: false });
  let server: http.Server;
  let origin = "";
  beforeAll(async () => {
    const failing = {
      owns: () => true,
      handle(_request: http.IncomingMessage, response: http.ServerResponse, url: URL) {
        const status = Number(url.pathname.split("/").pop());
        const body = JSON.stringify({
          error: { code: status === 503 ? "unavailable" : "upstream", message: "x" },
        });
        send(response, answer(status, { "content-type": "application/json" }, body));
      },
    };
    server = http.createServer(
      dispatch(
        "http://127.0.0.1",
        [failing],
        () => undefined,
        (response) => withErrorPages(response, (page) => site.file(page)),
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    site.close();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test.each([502, 504])(
    "a %i shows the unavailable page, status kept, reloading after Retry-After",
    async (code) => {
      const { page, status } = await open(`${origin}/api/${code}`);
      expect(status).toBe(code);
      await page.getByRole("heading", { level: 1, name: "Temporarily unavailable" }).waitFor();
      await page.getByText(`about ${RETRY_AFTER_SECONDS} seconds`).waitFor();
    },
  );

  test.each([503, 404, 403, 400])("a %i from the API keeps its JSON", async (code) => {
    const response = await fetch(`${origin}/api/${code}`);
    expect(response.status).toBe(code);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe("x");
  });
});
