/**
 * The authors' own folders in a real browser against `npm run dev`: photos put straight into the folder with the
 * local identity pool's credentials become ready photos, the author lists and deletes their uploads, drafts come
 * back after a reload, another author's credentials are refused in that folder, the presigned POST still works
 * without `folders`, and the uploads topic's filter policies send images to thumbnail and upload-stats but
 * anything else to upload-stats only.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Jimp } from "jimp";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  ARTIFACTS_DIR,
  closeChromium,
  eventually,
  identityCredentials,
  launchChromium,
  screenshot,
  signInLocally,
  startDevServer,
  type RunningDevServer,
} from "../../dev/harness";
import { localSubject } from "../../dev/local-auth";
import { LOCAL_NAMES, LOCAL_TABLES } from "../../dev/services";
import { uploadKey } from "../../shared/author-folders";
import type { FoldersConfig } from "../../web/src/config";

jest.setTimeout(240_000);

let dev: RunningDevServer;
let browser: Browser;
let folders: FoldersConfig;
let dynamo: DynamoDBDocumentClient;
const contexts: BrowserContext[] = [];
const clients: Array<{ destroy(): void }> = [];
const runId = Date.now().toString(36);
const ada = { email: `ada-${runId}@example.com`, name: "Ada Folder" };
const bob = { email: `bob-${runId}@example.com`, name: "Bob Other" };
/** What the first test's photo became, for the fan-out test. */
let publishedKey = "";

async function authorPage(
  author: typeof ada,
  config?: (json: Record<string, unknown>) => object,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  if (config) {
    await page.route("**/config.json", async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: config((await response.json()) as Record<string, unknown>) });
    });
  }
  await page.goto(new URL("/author", dev.siteUrl).toString());
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dev\/oauth2\/authorize/);
  await page.getByLabel("E-mail").fill(author.email);
  await page.getByLabel("Name").fill(author.name);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
  return page;
}

const jpeg = (color: number) => new Jimp({ width: 800, height: 600, color }).getBuffer("image/jpeg");

/** The local identity pool's credentials for an author, obtained in the test process with the SDK. */
async function credentialsOf(author: typeof ada): Promise<{ identityId: string; s3: S3Client }> {
  const credentials = await identityCredentials(
    {
      ...folders,
      identityEndpoint: new URL(folders.identityEndpoint ?? "", dev.siteUrl).toString(),
      s3Endpoint: folders.s3Endpoint ?? "",
    },
    await signInLocally(dev.siteUrl, author),
  );
  clients.push(credentials.s3);
  return credentials;
}

beforeAll(async () => {
  [dev, browser] = await Promise.all([startDevServer(), launchChromium()]);
  folders = ((await (await fetch(new URL("/config.json", dev.siteUrl))).json()) as { folders: FoldersConfig })
    .folders;
  const client = new DynamoDBClient({
    region: folders.region,
    endpoint: dev.dynamodbUrl,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  dynamo = DynamoDBDocumentClient.from(client);
  clients.push(dynamo, client);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  for (const client of clients) client.destroy();
  await closeChromium(browser);
  const code = await dev?.stop("SIGINT");
  if (dev) {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS_DIR, "dev-server-folders.log"), dev.output());
  }
  expect(code).toBe(0);
});

test("`npm run dev` names the emulated identity pool and S3 stand-in in /config.json", () => {
  expect(folders).toMatchObject({
    identityPoolId: expect.stringMatching(/^us-east-1:[0-9a-f-]{36}$/),
    region: "us-east-1",
    bucket: LOCAL_NAMES.uploadsBucket,
    identityEndpoint: "/dev/cognito-identity",
    s3Endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
  });
});

test("an author's photo goes straight into their folder and becomes a ready photo with thumbnails", async () => {
  const page = await authorPage(ada);
  await page.getByText("Photos go straight to your own folder").waitFor();
  await page.getByLabel("Title").fill(`Folder post ${runId}`);
  await page.getByLabel("Text (Markdown)").fill("Uploaded with the identity pool's credentials.");
  await page
    .getByLabel("Add photos")
    .setInputFiles({ name: "folder.jpg", mimeType: "image/jpeg", buffer: await jpeg(0x228844ff) });
  await page.locator('.photo-row[data-status="uploaded"]').waitFor();
  // The own-uploads list shows it, with a preview, under uploads/<identity id>/<sub>/.
  const row = page.locator(".upload-row").first();
  await row.locator("img").waitFor();
  publishedKey = (await row.getAttribute("data-key")) ?? "";
  expect(publishedKey).toMatch(
    new RegExp(`^uploads/us-east-1:[0-9a-f-]{36}/${localSubject(ada.email)}/[0-9a-f-]{36}\\.jpg$`),
  );

  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByText("Published.").waitFor();
  await page.locator('.photo-row[data-status="ready"]').waitFor({ timeout: 60_000 });
  await screenshot(page, "20-folders-published");
  await page.getByRole("link", { name: "View the post" }).click();
  await page.locator("#post-photos img").waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>("#post-photos img");
    return !!img && img.complete && img.naturalWidth > 0 && /\/media\//.test(img.currentSrc);
  });
});

test("the author sees their own uploads and deletes one", async () => {
  const page = await authorPage(ada);
  await page.getByLabel("Add photos").setInputFiles({
    name: "spare.png",
    mimeType: "image/png",
    buffer: await new Jimp({ width: 40, height: 30, color: 0xaa2222ff }).getBuffer("image/png"),
  });
  await page.locator('.photo-row[data-status="uploaded"]').waitFor();
  const spare = page.locator(".upload-row", { hasText: ".png" });
  await spare.waitFor();
  const key = (await spare.getAttribute("data-key")) ?? "";
  await expect(page.locator(".upload-row").count()).resolves.toBe(2);
  await spare.getByRole("button", { name: /^Delete / }).click();
  await page.locator(`.upload-row[data-key="${key}"]`).waitFor({ state: "detached" });
  await expect(page.locator(".upload-row").count()).resolves.toBe(1);
  const own = await credentialsOf(ada);
  const listed = await own.s3.send(
    new ListObjectsV2Command({ Bucket: folders.bucket, Prefix: `uploads/${own.identityId}/` }),
  );
  expect(listed.Contents?.map((o) => o.Key)).toEqual([publishedKey]);
});

test("a draft is saved while typing and offered again after a reload", async () => {
  const page = await authorPage(ada);
  await page.getByText("Photos go straight to your own folder").waitFor();
  await page.getByLabel("Title").fill(`Unfinished ${runId}`);
  await page.getByLabel("Text (Markdown)").fill("Half a thought");
  await page.locator("#draft-status", { hasText: "Draft saved" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Restore draft" }).click();
  await expect(page.getByLabel("Title").inputValue()).resolves.toBe(`Unfinished ${runId}`);
  await expect(page.getByLabel("Text (Markdown)").inputValue()).resolves.toBe("Half a thought");
  await screenshot(page, "21-folders-draft-restored");
});

test("another author's credentials cannot list, read, put or delete in the first author's folder", async () => {
  const own = await credentialsOf(ada);
  const other = await credentialsOf(bob);
  expect(other.identityId).not.toBe(own.identityId);
  const bucket = folders.bucket;
  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => "allowed",
      (error: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
        `${error.$metadata?.httpStatusCode} ${error.name}`,
    );
  const intruding = uploadKey({
    folder: own.identityId,
    author: localSubject(bob.email),
    id: randomUUID(),
    extension: "jpg",
  });
  const attempts = {
    list: other.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `uploads/${own.identityId}/` })),
    read: other.s3.send(new GetObjectCommand({ Bucket: bucket, Key: publishedKey })),
    put: other.s3.send(new PutObjectCommand({ Bucket: bucket, Key: intruding, Body: "x" })),
    delete: other.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: publishedKey })),
  };
  const results = Object.fromEntries(
    await Promise.all(Object.entries(attempts).map(async ([name, p]) => [name, await status(p)])),
  );
  expect(results).toEqual({
    list: "403 AccessDenied",
    read: "403 AccessDenied",
    put: "403 AccessDenied",
    delete: "403 AccessDenied",
  });
  // The photo is still there for its author.
  await expect(
    status(own.s3.send(new GetObjectCommand({ Bucket: bucket, Key: publishedKey }))),
  ).resolves.toBe("allowed");
});

test("without `folders` in the configuration the page uploads with the presigned POST", async () => {
  const page = await authorPage(bob, ({ folders: _omitted, ...rest }) => rest);
  await page.getByText("Photos are uploaded through the API.").waitFor();
  await page.getByLabel("Title").fill(`Fallback post ${runId}`);
  await page.getByLabel("Text (Markdown)").fill("Uploaded with a presigned POST.");
  const presigned = page.waitForResponse((r) => r.url().endsWith("/api/uploads"));
  await page
    .getByLabel("Add photos")
    .setInputFiles({ name: "fallback.jpg", mimeType: "image/jpeg", buffer: await jpeg(0x884422ff) });
  await expect((await presigned).json()).resolves.toMatchObject({
    key: expect.stringMatching(new RegExp(`^uploads/presigned/${localSubject(bob.email)}/`)),
  });
  await page.locator('.photo-row[data-status="uploaded"]').waitFor();
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByText("Published.").waitFor();
  await page.locator('.photo-row[data-status="ready"]').waitFor({ timeout: 60_000 });
  await expect(page.locator("#my-uploads").isHidden()).resolves.toBe(true);
});

test("an image reaches thumbnail and upload-stats; a text file in the folder only upload-stats", async () => {
  expect(publishedKey).not.toBe("");
  const author = localSubject(ada.email);
  const own = await credentialsOf(ada);
  const textKey = uploadKey({ folder: own.identityId, author, id: randomUUID(), extension: "txt" });
  await own.s3.send(
    new PutObjectCommand({ Bucket: folders.bucket, Key: textKey, Body: "notes", ContentType: "text/plain" }),
  );
  const item = (table: string, key: Record<string, string>) =>
    dynamo.send(new GetCommand({ TableName: table, Key: key })).then((r) => r.Item);
  // upload-stats counted both: the image (from the browser) and the text file.
  const totals = await eventually(
    "upload-stats to count the text file",
    async () => {
      const t = await item(LOCAL_TABLES["upload-stats"], { author, item: "totals" });
      return t && Number(t.others) >= 1 ? t : undefined;
    },
    60_000,
  );
  expect(totals).toMatchObject({ images: 2, others: 1 });
  // thumbnail received the image (the photos table knows it) but never the text file.
  await expect(item(LOCAL_TABLES.photos, { key: publishedKey })).resolves.toMatchObject({
    status: "ready",
  });
  await expect(item(LOCAL_TABLES.photos, { key: textKey })).resolves.toBeUndefined();
});
