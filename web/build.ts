/**
 * Builds the static site (`npm run build:web`) into content-hashed assets plus HTML pages that reference them.
 *
 * The edge stack calls `buildSite()` during `cdktf synth` and uploads each returned file as one S3 object, so the
 * build must be synchronous, fast and deterministic: identical sources give identical bytes (no timestamps, no
 * absolute paths, no source maps that would embed them). Hashed assets are cached for a year; HTML is revalidated.
 */
import { buildSync } from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";

export interface SiteFile {
  /** Posix path relative to the site root, e.g. "index.html" or "assets/app-3F2A1B9C.js". */
  readonly path: string;
  readonly absolutePath: string;
  readonly contentType: string;
  /** "public, max-age=31536000, immutable" for content-hashed assets, "no-cache" for HTML. */
  readonly cacheControl: string;
}

export interface BuildSiteOptions {
  /**
   * Where the site is written. Its `assets/` folder and the pages are replaced on each build.
   * @default web/dist
   */
  readonly outDir?: string;
}

/** From the project root rather than `__dirname`: the synth may run this module from a bundle in `.build/`. */
export const WEB_ROOT = path.join(PROJECT_ROOT, "web");
const SOURCE_DIR = path.join(WEB_ROOT, "src");
const PAGES_DIR = path.join(SOURCE_DIR, "html");
export const DEFAULT_OUT_DIR = path.join(WEB_ROOT, "dist");

export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const HTML_CACHE_CONTROL = "no-cache";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

export class SiteBuildError extends Error {
  override readonly name = "SiteBuildError";
}

export function contentTypeFor(file: string): string {
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!type)
    throw new SiteBuildError(`No content type known for "${file}": add its extension to CONTENT_TYPES`);
  return type;
}

/**
 * Drops comments and collapses whitespace runs to one space (one space, not none: between inline elements it
 * is visible). The templates are hand-written, not user input.
 */
export function minifyHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/>\s+</g, "> <")
    .replace(/\s{2,}/g, " ")
    .trim();
}

/** Modules the site never runs, left out of the bundle; the build fails if any output still imports one. */
const UNBUNDLED = ["@smithy/core/event-streams"] as const;

interface Asset {
  readonly path: string;
  readonly contents: Uint8Array;
}

/** One script per page, `src/entries/<page>.ts`, named by the page's `<body data-page="<page>">`. */
const ENTRIES_DIR = path.join(WEB_ROOT, "src", "entries");

function pageEntries(): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(ENTRIES_DIR)
      .filter((file) => file.endsWith(".ts"))
      .sort()
      .map((file) => [file.replace(/\.ts$/, ""), `src/entries/${file}`]),
  );
}

/**
 * Each page's script (only the code that page runs), the chunks they share or load lazily (the author page's
 * folder code, fetched by a dynamic `import()` only there) and the stylesheet. All content-hashed.
 */
function bundleAssets(): {
  readonly scripts: ReadonlyMap<string, Asset>;
  readonly css: Asset;
  readonly chunks: readonly Asset[];
} {
  const entries = pageEntries();
  const result = buildSync({
    absWorkingDir: WEB_ROOT,
    entryPoints: { ...entries, styles: "src/styles.css" },
    bundle: true,
    splitting: true,
    // The SDK signer's `@smithy/core/protocols` holds a dynamic import of event streams in code that tree-shaking
    // drops; left to esbuild, that import still becomes a chunk (never fetched) that splits the folders chunk.
    external: [...UNBUNDLED],
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "browser",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    entryNames: "assets/[name]-[hash]",
    chunkNames: "assets/[name]-[hash]",
    outdir: "dist",
    legalComments: "none",
    charset: "utf8",
    sourcemap: false,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const outDir = path.join(WEB_ROOT, "dist");
  const entryOf = new Map(
    Object.entries(result.metafile.outputs).map(([output, meta]) => [
      path.resolve(WEB_ROOT, output),
      meta.entryPoint,
    ]),
  );
  const assets = result.outputFiles.map((file) => ({
    path: path.relative(outDir, file.path).split(path.sep).join("/"),
    contents: file.contents,
    entryPoint: entryOf.get(file.path),
  }));
  const unbundled = assets.find((a) =>
    UNBUNDLED.some((name) => Buffer.from(a.contents).includes(`"${name}"`)),
  );
  if (unbundled)
    throw new SiteBuildError(
      `${unbundled.path} imports one of ${UNBUNDLED.join(", ")}, which is not bundled`,
    );
  const asset = ({ path, contents }: Asset): Asset => ({ path, contents });
  const scripts = new Map<string, Asset>();
  for (const [page, source] of Object.entries(entries)) {
    const script = assets.find((a) => a.entryPoint === source && a.path.endsWith(".js"));
    if (script) scripts.set(page, asset(script));
  }
  const css = assets.filter((a) => a.path.endsWith(".css"));
  const scriptPaths = new Set([...scripts.values()].map((script) => script.path));
  // Shared code, and dynamically imported modules (which the metafile also calls entry points).
  const chunks = assets.filter((a) => a.path.endsWith(".js") && !scriptPaths.has(a.path));
  if (
    scripts.size !== Object.keys(entries).length ||
    css.length !== 1 ||
    assets.length !== scripts.size + 1 + chunks.length
  )
    throw new SiteBuildError(
      `esbuild produced ${assets.map((a) => a.path).join(", ")}; expected one .js per page entry, their chunks and one .css`,
    );
  return { scripts, css: asset(css[0]), chunks: chunks.map(asset) };
}

/**
 * Fills a page template: `{{> name}}` includes `partials/<name>.html` (the parts every page shares), then
 * `{{css}}` and `{{js}}` become the hashed asset URLs (root-relative).
 */
export function renderPage(
  template: string,
  assets: { readonly js: string; readonly css: string },
  partials: Readonly<Record<string, string>> = {},
): string {
  const included = template.replace(/\{\{>\s*([\w-]+)\s*\}\}/g, (_, name: string) => {
    const partial = partials[name];
    if (partial === undefined)
      throw new SiteBuildError(`Unknown partial {{> ${name}}}: add web/src/html/partials/${name}.html`);
    return partial;
  });
  const html = included.replace(/\{\{(css|js)\}\}/g, (_, key: "css" | "js") => `/${assets[key]}`);
  const leftover = /\{\{[^}]*\}\}/.exec(html);
  if (leftover)
    throw new SiteBuildError(
      `Unknown placeholder ${leftover[0]} in a page template (allowed: {{css}}, {{js}}, {{> partial}})`,
    );
  return minifyHtml(html);
}

function readHtmlFiles(dir: string): Map<string, string> {
  const names = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".html"))
        .sort()
    : [];
  return new Map(names.map((name) => [name, fs.readFileSync(path.join(dir, name), "utf8")]));
}

export function buildSite(options: BuildSiteOptions = {}): SiteFile[] {
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const { scripts, css, chunks } = bundleAssets();

  const files: Array<{ path: string; contents: Uint8Array | string }> = [...scripts.values(), css, ...chunks];
  const partials = Object.fromEntries(
    [...readHtmlFiles(path.join(PAGES_DIR, "partials"))].map(([name, text]) => [
      name.replace(/\.html$/, ""),
      text,
    ]),
  );
  for (const [name, template] of readHtmlFiles(PAGES_DIR)) {
    const page = /<body[^>]*\sdata-page="([\w-]+)"/.exec(template)?.[1];
    // A page without data-page is static (the error pages): no script, so it must not ask for one.
    if (page === undefined) {
      if (/\{\{\s*(js|>\s*head)\s*\}\}/.test(template))
        throw new SiteBuildError(`${name}: a page without <body data-page> has no script for {{js}}`);
      files.push({ path: name, contents: renderPage(template, { js: "", css: css.path }, partials) });
      continue;
    }
    const script = scripts.get(page);
    if (!script)
      throw new SiteBuildError(
        `${name}: <body data-page="${page}"> names no script; add web/src/entries/${page}.ts`,
      );
    files.push({ path: name, contents: renderPage(template, { js: script.path, css: css.path }, partials) });
  }

  // Several processes build the site at once (jest workers, each synthesizing): every file is written to a
  // private temporary name and renamed into place, so a reader never sees it missing or half written.
  fs.mkdirSync(path.join(outDir, "assets"), { recursive: true });
  const built = files.map((file): SiteFile => {
    const absolutePath = path.join(outDir, ...file.path.split("/"));
    const temporary = `${absolutePath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, file.contents);
    fs.renameSync(temporary, absolutePath);
    const isHtml = file.path.endsWith(".html");
    return {
      path: file.path,
      absolutePath,
      contentType: contentTypeFor(file.path),
      cacheControl: isHtml ? HTML_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL,
    };
  });
  // Stale hashed assets of earlier builds are removed, so they are not uploaded again. A concurrent build of
  // the same sources writes the same names, so nothing it still reads is removed.
  const current = new Set(built.map((file) => path.basename(file.absolutePath)));
  for (const name of fs.readdirSync(path.join(outDir, "assets"))) {
    if (!current.has(name) && !name.endsWith(".tmp"))
      fs.rmSync(path.join(outDir, "assets", name), { force: true });
  }

  return built.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
