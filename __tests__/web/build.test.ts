/** The site build the edge stack uploads: deterministic, content-hashed, with the right headers per file. */
import { RETRY_AFTER_SECONDS, UNAVAILABLE_PAGE } from "../../edge/error-responses";
import { isEdgeResponse, loadViewerRequest, viewerRequestEvent } from "../../edge/runtime";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import {
  buildSite,
  contentTypeFor,
  HTML_CACHE_CONTROL,
  IMMUTABLE_CACHE_CONTROL,
  minifyHtml,
  renderPage,
  SiteBuildError,
} from "../../web/build";

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "site-build-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** One script per page, named after its `data-page`. */
const PAGE_SCRIPT = /^assets\/(home|post|author)-[A-Z0-9]{8}\.js$/;
const PAGE_OF: Readonly<Record<string, string>> = {
  "index.html": "home",
  "post.html": "post",
  "author.html": "author",
};
const STYLES = /^assets\/styles-[A-Z0-9]{8}\.css$/;

test("builds the pages and content-hashed assets with their content types and cache headers", () => {
  const outDir = tempDir();
  const files = buildSite({ outDir });
  const assets = files.filter((f) => f.path.startsWith("assets/"));
  expect(files.filter((f) => !f.path.startsWith("assets/")).map((f) => f.path)).toEqual([
    "author.html",
    "index.html",
    "post.html",
    "unavailable.html",
  ]);
  expect(assets.filter((f) => PAGE_SCRIPT.test(f.path)).map((f) => PAGE_SCRIPT.exec(f.path)![1])).toEqual([
    "author",
    "home",
    "post",
  ]);
  expect(assets.filter((f) => STYLES.test(f.path))).toHaveLength(1);
  // Every other asset is a content-hashed chunk the scripts share or load lazily.
  for (const chunk of assets.filter((f) => !PAGE_SCRIPT.test(f.path) && !STYLES.test(f.path)))
    expect(chunk.path).toMatch(/^assets\/[\w.-]+-[A-Z0-9]{8}\.js$/);
  for (const file of files) {
    expect(file.absolutePath).toBe(path.join(outDir, ...file.path.split("/")));
    expect(fs.existsSync(file.absolutePath)).toBe(true);
    expect(file.cacheControl).toBe(
      file.path.endsWith(".html") ? HTML_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL,
    );
    expect(file.contentType).toBe(contentTypeFor(file.path));
  }
  const css = files.find((f) => STYLES.test(f.path));
  for (const page of files.filter((f) => f.path.endsWith(".html"))) {
    const html = fs.readFileSync(page.absolutePath, "utf8");
    if (!PAGE_OF[page.path]) {
      // The static error page: the stylesheet, no script (it must work when nothing else does).
      expect(html).toContain(`<link rel="stylesheet" href="/${css?.path}" />`);
      expect(html).not.toMatch(/<script|\{\{|<!--/);
      continue;
    }
    // Each page loads its own script, not the others' code.
    const js = files.find(
      (f) => f.path.startsWith(`assets/${PAGE_OF[page.path]}-`) && PAGE_SCRIPT.test(f.path),
    );
    expect(html).toContain(`<script type="module" src="/${js?.path}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/${css?.path}" />`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/\{\{|<!--/);
  }
});

test("the AWS SDK is a chunk of its own that the author page imports only dynamically (with folders)", () => {
  const files = buildSite({ outDir: tempDir() });
  const read = (file: { absolutePath: string }) => fs.readFileSync(file.absolutePath, "utf8");
  const app = read(files.find((f) => /^assets\/author-[A-Z0-9]{8}\.js$/.test(f.path)) ?? files[0]);
  const folders = files.find((f) => /^assets\/folders-[A-Z0-9]{8}\.js$/.test(f.path));
  expect(folders).toBeDefined();
  const name = path.basename(folders?.path ?? "");
  expect(app).toContain(`import("./${name}")`);
  // What the app loads statically (every page): no SDK code in it.
  const staticImports = [...app.matchAll(/from"\.\/([^"]+)"/g)].map((m) => m[1]);
  for (const code of [
    app,
    ...staticImports.map((f) =>
      read({ absolutePath: path.join(path.dirname(folders?.absolutePath ?? ""), f) }),
    ),
  ]) {
    expect(code).not.toContain("AWSCognitoIdentityService");
    expect(code).not.toContain("ListObjectsV2");
  }
  expect(read(folders ?? files[0])).toContain("AWSCognitoIdentityService");
});

test("identical sources give identical bytes, wherever the output goes, with no machine paths inside", () => {
  const first = buildSite({ outDir: tempDir() });
  const second = buildSite({ outDir: tempDir() });
  expect(second.map((f) => f.path)).toEqual(first.map((f) => f.path));
  first.forEach((file, i) => {
    const bytes = fs.readFileSync(file.absolutePath);
    expect(fs.readFileSync(second[i].absolutePath).equals(bytes)).toBe(true);
    expect(bytes.toString("utf8")).not.toContain(PROJECT_ROOT);
    expect(bytes.toString("utf8")).not.toContain(os.tmpdir());
  });
});

test("a rebuild replaces the previous assets instead of piling them up", () => {
  const outDir = tempDir();
  fs.mkdirSync(path.join(outDir, "assets"), { recursive: true });
  fs.writeFileSync(path.join(outDir, "assets", "app-OLDHASH1.js"), "stale");
  buildSite({ outDir });
  expect(fs.readdirSync(path.join(outDir, "assets")).filter((f) => f.includes("OLDHASH"))).toEqual([]);
});

test("the JavaScript is minified and holds no source map or absolute path", () => {
  for (const js of buildSite({ outDir: tempDir() }).filter((f) => f.path.endsWith(".js"))) {
    const code = fs.readFileSync(js.absolutePath, "utf8");
    expect(code).not.toContain("sourceMappingURL");
    // The pages' own scripts (the SDK chunks hold string literals with line breaks and `//`).
    if (!PAGE_SCRIPT.test(js.path)) continue;
    expect(code).not.toMatch(/\n\s{2}/); // no indentation left
    expect(code).not.toMatch(/\/\*\*|\/\/ /); // no comments left
  }
});

test("pages include the shared partials", () => {
  const partials = { head: '<link rel="stylesheet" href="{{css}}" />' };
  expect(renderPage("<head>{{> head}}</head>", { js: "a.js", css: "assets/s.css" }, partials)).toBe(
    '<head><link rel="stylesheet" href="/assets/s.css" /></head>',
  );
  expect(() => renderPage("{{> footer}}", { js: "a.js", css: "s.css" }, partials)).toThrow(
    /Unknown partial \{\{> footer\}\}: add web\/src\/html\/partials\/footer.html/,
  );
});

test("page templates may only use the known placeholders", () => {
  expect(renderPage("<p>{{js}} {{css}}</p>", { js: "assets/a.js", css: "assets/s.css" })).toBe(
    "<p>/assets/a.js /assets/s.css</p>",
  );
  expect(() => renderPage("<p>{{title}}</p>", { js: "a.js", css: "s.css" })).toThrow(SiteBuildError);
  expect(() => renderPage("<p>{{title}}</p>", { js: "a.js", css: "s.css" })).toThrow(
    /Unknown placeholder \{\{title\}\}/,
  );
});

test("an unknown file type is refused rather than served with a guessed content type", () => {
  expect(contentTypeFor("index.html")).toBe("text/html; charset=utf-8");
  expect(contentTypeFor("assets/app-X.js")).toBe("text/javascript; charset=utf-8");
  expect(() => contentTypeFor("notes.md")).toThrow(/No content type known for "notes.md"/);
});

test("HTML minification drops comments and collapses whitespace to one visible space", () => {
  expect(minifyHtml("<p>\n  <!-- note -->\n  <b>a</b>   <i>b</i>\n</p>\n")).toBe(
    "<p> <b>a</b> <i>b</i> </p>",
  );
});

test("builds running at once in several processes (jest workers synthesizing) never leave a file missing", async () => {
  const outDir = tempDir();
  const files = buildSite({ outDir });
  const builder = `import { buildSite } from ${JSON.stringify(path.join(PROJECT_ROOT, "web", "build.ts"))};
for (let i = 0; i < 15; i++) buildSite({ outDir: ${JSON.stringify(outDir)} });`;
  const script = path.join(outDir, "rebuild.mts");
  fs.writeFileSync(script, builder);
  const { spawn } = await import("child_process");
  const builders = [1, 2].map(
    () =>
      new Promise<number | null>((resolve) =>
        spawn(process.execPath, ["--import", "tsx", script], { cwd: PROJECT_ROOT, stdio: "ignore" }).on(
          "exit",
          resolve,
        ),
      ),
  );
  let running = true;
  const missing: string[] = [];
  const done = Promise.all(builders).finally(() => (running = false));
  while (running) {
    for (const file of files) {
      try {
        if (fs.readFileSync(file.absolutePath).length === 0) missing.push(`${file.path} (empty)`);
      } catch {
        missing.push(file.path);
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await done).toEqual([0, 0]);
  expect(missing).toEqual([]);
}, 60_000);

test("the home page's script holds no author or post page code", () => {
  const files = buildSite({ outDir: tempDir() });
  const home = files.find((f) => /^assets\/home-[A-Z0-9]{8}\.js$/.test(f.path))!;
  const code = fs.readFileSync(home.absolutePath, "utf8");
  const imported = [...code.matchAll(/from"\.\/([^"]+)"/g)].map((m) =>
    fs.readFileSync(path.join(path.dirname(home.absolutePath), m[1]), "utf8"),
  );
  for (const text of [code, ...imported]) {
    expect(text).not.toContain("photo-input"); // the author page's upload control
    expect(text).not.toContain("comment-form"); // the post page's comments
  }
});

test("every page and root file of the build is one the viewer-request function serves", () => {
  const handler = loadViewerRequest();
  for (const file of buildSite({ outDir: tempDir() })) {
    // (the post page is only ever asked for with its post)
    const url = file.path === "post.html" ? "/post.html?slug=a" : `/${file.path}`;
    const result = handler(viewerRequestEvent("GET", url, { host: "example.net" }));
    // Served as it is, or redirected to its readable URL: never the function's 404.
    if (isEdgeResponse(result)) expect(result.statusCode).toBe(301);
    else expect(result.uri).toBe(`/${file.path}`);
  }
});

test("the unavailable page asks readers to wait as long as Retry-After would", () => {
  const page = buildSite({ outDir: tempDir() }).find((f) => `/${f.path}` === UNAVAILABLE_PAGE)!;
  const html = fs.readFileSync(page.absolutePath, "utf8");
  expect(html).toContain(`<meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}" />`);
  expect(html).toContain(`about ${RETRY_AFTER_SECONDS} seconds`);
});
