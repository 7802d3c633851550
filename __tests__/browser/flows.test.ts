/**
 * Every flow of the blog in a real browser (Debian's Chromium through playwright-core) against `npm run dev`:
 * real handler bundles, PostgreSQL, Redis, dynalite, s3rver and aws-ses-v2-local. Only AWS itself is emulated
 * (by those local services and the dev server's API Gateway, S3 → SNS and DynamoDB-stream stand-ins).
 */
import * as fs from "fs";
import * as path from "path";
import { Jimp } from "jimp";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  ARTIFACTS_DIR,
  closeChromium,
  eventually,
  launchChromium,
  screenshot,
  signInLocally,
  startDevServer,
  type RunningDevServer,
} from "../../dev/harness";

jest.setTimeout(240_000);

let dev: RunningDevServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const runId = Date.now().toString(36);
const postTitle = `Harbour at dawn ${runId}`;
let postUrl = "";

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

async function sentEmails(): Promise<
  Array<{ destination: { to: string[] }; subject: string; body: { text?: string; html?: string } }>
> {
  const response = await fetch(new URL("/store", dev.sesInboxUrl));
  return ((await response.json()) as { emails: [] }).emails;
}

const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page (evaluated through the DevTools protocol: CSP allows it). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{
            violations: Array<{
              id: string;
              impact: string;
              help: string;
              nodes: Array<{ target: string[] }>;
            }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(", ")}`);
}

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDevServer(), launchChromium()]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await closeChromium(browser);
  const code = await dev?.stop("SIGINT");
  // The dev server's own output (the functions' logs) helps when a flow fails.
  if (dev) {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS_DIR, "dev-server.log"), dev.output());
  }
  expect(code).toBe(0);
});

test("a reader subscribes and the welcome e-mail reaches the SES store", async () => {
  const page = await newPage();
  const email = `reader-${runId}@example.com`;
  await page.goto(dev.siteUrl);
  await page.getByLabel("Name").fill("Rita Reader");
  await page.getByLabel("E-mail").fill(email);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await page.getByText(`A welcome e-mail is on its way to ${email}`).waitFor();
  await screenshot(page, "01-subscribed");

  // The subscribers table's stream → welcome-email function → SES.
  const welcome = await eventually("the welcome e-mail", async () =>
    (await sentEmails()).find((e) => e.destination.to.includes(email)),
  );
  expect(welcome.subject).toMatch(/welcome/i);
  expect(`${welcome.body.text ?? ""}${welcome.body.html ?? ""}`).toContain("Rita Reader");
  expect(problemsOf(page)).toEqual([]);
});

test("an author signs in, publishes a post with a photo and sees the thumbnails become ready", async () => {
  const page = await newPage();
  await page.goto(new URL("/author", dev.siteUrl).toString());
  await page.getByRole("button", { name: "Sign in" }).click();

  // The local authorization server's form, then back with ?code= exchanged (PKCE) for an ID token.
  await page.waitForURL(/\/dev\/oauth2\/authorize/);
  await page.getByLabel("E-mail").fill(`author-${runId}@example.com`);
  await page.getByLabel("Name").fill("Ada Author");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
  await expect(page.locator("#author-name").textContent()).resolves.toBe("Ada Author");
  expect(page.url()).not.toContain("code=");

  await page.getByLabel("Title").fill(postTitle);
  await page
    .getByLabel("Text (Markdown)")
    .fill("The **harbour** before sunrise.\n\n- boats\n- gulls\n\n<script>alert(1)</script>");
  const photo = await new Jimp({ width: 1600, height: 1200, color: 0x3366aaff }).getBuffer("image/jpeg");
  await page
    .getByLabel("Add photos")
    .setInputFiles({ name: "harbour.jpg", mimeType: "image/jpeg", buffer: photo });
  await page.locator('.photo-row[data-status="uploaded"]').waitFor();
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByText("Published.").waitFor();

  // S3 (s3rver) → SNS-wrapped event → thumbnail function → photos table; the editor polls the post.
  await page.locator('.photo-row[data-status="ready"]').waitFor({ timeout: 60_000 });
  await screenshot(page, "02-author-published");

  // The editor now edits the saved post (PUT, the author's own).
  await page.getByRole("heading", { name: "Edit post" }).waitFor();
  await page
    .getByLabel("Text (Markdown)")
    .fill(
      "The **harbour** before sunrise.\n\n- boats\n- gulls\n\n<script>alert(1)</script>\n\nEdited at noon.",
    );
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Saved.").waitFor();
  postUrl = (await page.getByRole("link", { name: "View the post" }).getAttribute("href")) ?? "";
  expect(postUrl).toMatch(/^\/posts\/harbour-at-dawn-/);
  expect(problemsOf(page)).toEqual([]);
});

test("a reader sees the post on the home page, likes it and comments", async () => {
  expect(postUrl).not.toBe("");
  const page = await newPage();
  await page.goto(dev.siteUrl);
  const card = page.locator(".post-card", { hasText: postTitle });
  await card.waitFor();
  const cover = card.locator("img");
  await expect(cover.getAttribute("src")).resolves.toMatch(/^\/media\/.+\/w400\.jpg$/);
  await page.waitForFunction((title) => {
    const img = Array.from(document.querySelectorAll<HTMLElement>(".post-card"))
      .find((c) => c.textContent?.includes(title))
      ?.querySelector("img");
    return !!img && img.complete && img.naturalWidth === 400;
  }, postTitle);
  await screenshot(page, "03-home");

  await card.getByRole("link", { name: postTitle }).click();
  await page.getByRole("heading", { level: 1, name: postTitle }).waitFor();
  // Markdown rendered, raw HTML kept as text.
  await expect(page.locator("#post-body strong").textContent()).resolves.toBe("harbour");
  await expect(page.locator("#post-body li").count()).resolves.toBe(2);
  await expect(page.locator("#post-body script").count()).resolves.toBe(0);
  await page.getByText("Edited at noon.").waitFor();
  await page.locator("#post-photos img").waitFor();

  await page.getByRole("button", { name: /Like/ }).click();
  await page.getByText("Thanks for the like!").waitFor();
  await expect(page.locator("#like-count").textContent()).resolves.toBe("1");
  // Once per client: a second click does not count again.
  await page.getByRole("button", { name: /Like/ }).click();
  await page.getByText("You already liked this post.").waitFor();
  await expect(page.locator("#like-count").textContent()).resolves.toBe("1");

  await page.getByLabel("Name").fill("Carl Commenter");
  await page.getByRole("textbox", { name: "Comment" }).fill("Lovely light!");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.getByText("Your comment was posted.").waitFor();
  await page.reload();
  await page.locator(".comment", { hasText: "Lovely light!" }).waitFor();
  await expect(page.locator(".comment strong").first().textContent()).resolves.toBe("Carl Commenter");
  await screenshot(page, "04-post-liked-commented");
  expect(problemsOf(page)).toEqual([]);
});

test("the home page shows ten posts, then older ones on request", async () => {
  const token = await signInLocally(dev.siteUrl, {
    email: `pager-${runId}@example.com`,
    name: "Paula Pager",
  });
  for (let i = 1; i <= 11; i++) {
    const created = await fetch(new URL("posts", dev.apiUrl), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: `Page test ${runId} ${i}`, body: "Text." }),
    });
    expect(created.status).toBe(201);
  }
  const total = ((await (await fetch(new URL("posts?limit=50", dev.apiUrl))).json()) as { posts: unknown[] })
    .posts.length;
  expect(total).toBeGreaterThan(10);

  const page = await newPage();
  await page.goto(dev.siteUrl);
  await page.locator(".post-card").nth(9).waitFor();
  await expect(page.locator(".post-card").count()).resolves.toBe(10);
  await page.getByRole("button", { name: "Older posts" }).click();
  await page
    .locator(".post-card")
    .nth(total - 1)
    .waitFor();
  await expect(page.locator(".post-card").count()).resolves.toBe(total);
  await expect(page.getByRole("button", { name: "Older posts" }).isHidden()).resolves.toBe(true);
  // Newest first.
  await expect(page.locator(".post-card h2").first().textContent()).resolves.toBe(`Page test ${runId} 11`);
  expect(problemsOf(page)).toEqual([]);
});

test("a photo the thumbnail function cannot read is shown as failed, not left waiting", async () => {
  const page = await newPage();
  await page.goto(new URL("/author", dev.siteUrl).toString());
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign in" }).click(); // the local sign-in form, with its defaults
  await page.getByText("Signed in as").waitFor();
  await page.getByLabel("Title").fill(`Broken photo ${runId}`);
  await page.getByLabel("Text (Markdown)").fill("This photo is not a JPEG.");
  const notAJpeg = Buffer.from("this is not an image at all".repeat(40));
  await page
    .getByLabel("Add photos")
    .setInputFiles({ name: "broken.jpg", mimeType: "image/jpeg", buffer: notAJpeg });
  await page.locator('.photo-row[data-status="uploaded"]').waitFor();
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByText("Published.").waitFor();
  await page.locator('.photo-row[data-status="failed"]').waitFor({ timeout: 60_000 });
  await expect(page.locator(".photo-row .photo-status").textContent()).resolves.toMatch(/^Processing failed/);
  await screenshot(page, "06-author-photo-failed");
});

test("bad input gets a clear message in the page", async () => {
  const page = await newPage();
  await page.goto(dev.siteUrl);
  await page.getByLabel("Name").fill("No Address");
  await page.getByLabel("E-mail").fill("not-an-address");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await page.getByText("Please enter a valid e-mail address.").waitFor();

  await page.goto(new URL("/posts/no-such-post", dev.siteUrl).toString());
  await page.getByRole("heading", { level: 1, name: "Post not found" }).waitFor();
});

test("the main pages have no serious or critical accessibility violations (axe-core)", async () => {
  expect(postUrl).not.toBe("");
  const page = await newPage();
  const report: Record<string, string[]> = {};
  const check = async (name: string) => {
    report[name] = await seriousViolations(page);
  };

  await page.goto(dev.siteUrl);
  await page.locator(".post-card").first().waitFor();
  await check("home");
  await page.goto(new URL(postUrl, dev.siteUrl).toString());
  await page.locator("#post[aria-busy=false]").waitFor();
  await check("post");
  await page.goto(new URL("/author", dev.siteUrl).toString());
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dev\/oauth2\/authorize/);
  await check("sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
  await check("author");
  await screenshot(page, "05-author-editor");

  expect(report).toEqual({ home: [], post: [], "sign-in": [], author: [] });
});
