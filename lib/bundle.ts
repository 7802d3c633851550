/**
 * Bundles a Lambda handler (`handlers/<name>/index.ts`) with esbuild and zips it deterministically.
 *
 * The zip is the deployment artefact: its bytes decide `source_code_hash`, so identical sources must give
 * identical bytes on every machine and in every checkout directory (sorted entries, fixed timestamps and
 * modes, no absolute paths in the bundle). An unchanged handler then never shows up in a plan.
 */
import { createHash } from "crypto";
import { buildSync } from "esbuild";
import { zipSync, type ZipOptions, type Zippable } from "fflate";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./paths";

export interface HandlerBundle {
  /**
   * Directory holding `index.mjs` and its `chunks/`, the exact code that ships to Lambda (the local dev server
   * loads it too).
   */
  readonly bundleDir: string;
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip bytes, as Lambda's `source_code_hash` expects. */
  readonly sourceCodeHash: string;
  readonly zipBytes: number;
}

/** 1980-01-01 00:00 in local time: the earliest DOS date, read back the same in every time zone. */
const FIXED_ZIP_DATE = new Date(1980, 0, 1, 0, 0, 0);
/** Unix file type "regular" + rw-r--r--, in the high 16 bits of the external attributes. */
const FILE_MODE_ATTRS = 0o100644 << 16;

const cache = new Map<string, HandlerBundle>();

export function handlerEntry(name: string): string {
  return path.join(PROJECT_ROOT, "handlers", name, "index.ts");
}

/** The handler module in the bundle directory and the zip (Lambda's handler setting is `index.handler`). */
export const ENTRY_FILE = "index.mjs";

/** esbuild settings; part of the cache key, so changing them rebuilds every bundle. */
const BUILD_OPTIONS = {
  bundle: true,
  // Whitespace and syntax minified, identifiers not: class and function names survive as written, so the typed
  // errors keep their names (`new.target.name`, which the logs show) and stack traces read `PostsStore.list`.
  // esbuild's `keepNames` would do the same for minified names with a `__name()` call per function and class,
  // which cost ~10 % of module initialisation (thousands of calls at cold start); this costs ~20 % more zip.
  minifyWhitespace: true,
  minifySyntax: true,
  treeShaking: true,
  platform: "node",
  // ES module builds first (platform "node" would take "main" first): the AWS SDK and smithy packages ship CommonJS
  // bundles (dist-cjs) that keep every module of the package; their dist-es builds let esbuild drop what is unused,
  // which makes the bundles 20-35 % smaller and quicker to load.
  mainFields: ["module", "main"],
  target: "node22",
  // An ES module (`index.mjs`; Lambda's `index.handler` finds it) with code splitting. The SDK's credential chain
  // imports its providers (SSO, STS, INI files, ...) with `import()`: as separate chunks they are never read in
  // Lambda, where the first provider (environment variables) answers. In a single CommonJS file they were part of
  // the file, and every module they share with the client (most of the SDK) was wrapped in a lazy initialiser,
  // parsed twice. Together: init 6-20 % faster than the same code as CommonJS.
  format: "esm",
  splitting: true,
  outExtension: { ".js": ".mjs" },
  entryNames: "index",
  chunkNames: "chunks/[name]-[hash]",
  // CommonJS dependencies (pg, pngjs, ...) call `require()` for Node's built-in modules; an ES module has none.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  legalComments: "none",
  charset: "utf8",
  loader: { ".sql": "text", ".html": "text", ".txt": "text" },
  // Some dependencies probe for optional modules that are never used in Lambda.
  external: ["pg-native"],
} as const;

interface CacheRecord {
  /** Hash of the build options and of every input file's bytes. */
  readonly key: string;
  /** Inputs esbuild read, relative to the project root. */
  readonly inputs: string[];
  /** Hash of the inputs' sizes and modification times when `key` was last confirmed. */
  readonly statKey?: string;
}

function inputsKey(inputs: string[]): string | undefined {
  const hash = createHash("sha256").update(JSON.stringify(BUILD_OPTIONS));
  for (const input of inputs) {
    const file = path.join(PROJECT_ROOT, input);
    if (!fs.existsSync(file)) return undefined;
    hash.update(input).update(fs.readFileSync(file));
  }
  return hash.digest("hex");
}

/**
 * Sizes and modification times of the inputs: a cheap first check (a few thousand `stat` calls instead of
 * reading every file). Any difference, such as a fresh checkout or a touched file, falls back to the content hash.
 */
function inputsStatKey(inputs: string[]): string | undefined {
  // The build options too: changing them must rebuild even when no input file was touched.
  const hash = createHash("sha256").update(JSON.stringify(BUILD_OPTIONS));
  for (const input of inputs) {
    const stat = fs.statSync(path.join(PROJECT_ROOT, input), { throwIfNoEntry: false });
    if (!stat) return undefined;
    hash.update(`${input}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest("hex");
}

/**
 * Reuses the previous bundle when none of its inputs changed: unchanged sizes and times, or else unchanged
 * contents. A synth then costs checking a few thousand files instead of bundling four handlers.
 */
function cachedZip(cacheFile: string, zipPath: string, bundleDir: string): Buffer | undefined {
  const files = [cacheFile, zipPath, path.join(bundleDir, ENTRY_FILE)];
  if (!files.every((file) => fs.existsSync(file))) return undefined;
  let record: CacheRecord;
  try {
    record = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as CacheRecord;
  } catch {
    return undefined; // unreadable cache record (for example from an older layout): rebuild
  }
  if (!Array.isArray(record.inputs)) return undefined;
  const statKey = inputsStatKey(record.inputs);
  if (statKey === undefined) return undefined;
  if (statKey !== record.statKey) {
    if (inputsKey(record.inputs) !== record.key) return undefined;
    writeAtomically(cacheFile, JSON.stringify({ ...record, statKey } satisfies CacheRecord));
  }
  return fs.readFileSync(zipPath);
}

/** Records what a build read (esbuild's metafile inputs), so that the next synth can tell whether to rebuild. */
function writeCacheRecord(
  cacheFile: string,
  metafileInputs: object,
  extra: Record<string, string> = {},
): void {
  const inputs = Object.keys(metafileInputs).sort();
  writeAtomically(
    cacheFile,
    JSON.stringify({ key: inputsKey(inputs), inputs, statKey: inputsStatKey(inputs), ...extra }),
  );
}

/**
 * Writes through a temporary file and a rename, so a reader (the dev server loading `index.mjs`, a second synth
 * in another terminal) sees the old file or the new one, never half of one.
 */
export function writeAtomically(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

/**
 * Chunks first, the entry module last (each written atomically), then chunks no longer referenced are removed:
 * chunk names carry a content hash, so the dev server reloading `index.mjs` finds every chunk it imports.
 */
function writeBundleDir(bundleDir: string, files: ReadonlyMap<string, Uint8Array>): void {
  for (const [name, contents] of files) {
    if (name !== ENTRY_FILE) writeAtomically(path.join(bundleDir, name), contents);
  }
  writeAtomically(path.join(bundleDir, ENTRY_FILE), files.get(ENTRY_FILE)!);
  const chunksDir = path.join(bundleDir, "chunks");
  for (const name of fs.existsSync(chunksDir) ? fs.readdirSync(chunksDir) : []) {
    if (!files.has(`chunks/${name}`)) fs.rmSync(path.join(chunksDir, name), { force: true });
  }
  // Left by the CommonJS layout of earlier versions.
  fs.rmSync(path.join(bundleDir, "index.js"), { force: true });
}

/** Bundles once per process: every environment's stacks share the same artefact. */
export function bundleHandler(name: string): HandlerBundle {
  const cached = cache.get(name);
  if (cached) return cached;

  const entry = handlerEntry(name);
  if (!fs.existsSync(entry)) {
    throw new Error(
      `Handler "${name}" has no entry point: expected handlers/${name}/index.ts exporting "handler"`,
    );
  }
  const bundleDir = path.join(PROJECT_ROOT, ".build", "handlers", name);
  const zipPath = path.join(PROJECT_ROOT, ".build", "handlers", `${name}.zip`);
  const cacheFile = path.join(PROJECT_ROOT, ".build", "handlers", `${name}.inputs.json`);

  let zip = cachedZip(cacheFile, zipPath, bundleDir);
  if (!zip) {
    const result = buildSync({
      ...BUILD_OPTIONS,
      loader: { ...BUILD_OPTIONS.loader },
      external: [...BUILD_OPTIONS.external],
      mainFields: [...BUILD_OPTIONS.mainFields],
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [path.relative(PROJECT_ROOT, entry)],
      write: false,
      metafile: true,
      outdir: bundleDir,
      logLevel: "silent",
    });
    // Paths inside the bundle, with "/" on every OS: the zip entries and the files on disk.
    const files = new Map(
      result.outputFiles.map((file) => [
        path.relative(bundleDir, file.path).split(path.sep).join("/"),
        file.contents,
      ]),
    );
    writeBundleDir(bundleDir, files);

    const entryOptions: ZipOptions = { mtime: FIXED_ZIP_DATE, os: 3, attrs: FILE_MODE_ATTRS, level: 9 };
    // Sorted entries: the same bytes whatever order esbuild emits the chunks in.
    const zippable: Zippable = {};
    for (const name of [...files.keys()].sort()) zippable[name] = [files.get(name)!, entryOptions];
    zip = Buffer.from(zipSync(zippable));
    writeAtomically(zipPath, zip);
    writeCacheRecord(cacheFile, result.metafile.inputs);
  }

  const bundle: HandlerBundle = {
    bundleDir,
    zipPath,
    sourceCodeHash: createHash("sha256").update(zip).digest("base64"),
    zipBytes: zip.byteLength,
  };
  cache.set(name, bundle);
  return bundle;
}

export interface ProgramBundle {
  /** The program, one ES module file. */
  readonly file: string;
  readonly bytes: number;
}

const programs = new Map<string, ProgramBundle>();

/** What a program's build changes of the handlers' options; part of its cache record. */
const PROGRAM_OPTIONS = {
  // Identifiers minified too: without code splitting, esbuild keys each lazily initialised module by its path
  // (`node_modules/…`), which names where node_modules lives; minified, no path is left, and the file is 42 %
  // smaller. The program prints its errors as messages, so its stack traces need no names.
  minifyIdentifiers: true,
  splitting: false,
  outExtension: undefined,
  entryNames: undefined,
  chunkNames: undefined,
} as const;

/**
 * Bundles a program the apply runs on the deploying machine (the release step of lib/release.ts) into one ES
 * module, `.build/programs/<name>.mjs`: one file, so Terraform's `node <file>` needs no `node_modules`. The
 * handlers' options (deterministic bytes) without code splitting and with every identifier minified; rebuilt only
 * when an input changed, as the handlers are.
 */
export function bundleProgram(entry: string, name: string): ProgramBundle {
  const cached = programs.get(name);
  if (cached) return cached;
  const dir = path.join(PROJECT_ROOT, ".build", "programs");
  const file = path.join(dir, `${name}.mjs`);
  const cacheFile = path.join(dir, `${name}.inputs.json`);
  let record: CacheRecord | undefined;
  try {
    record = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as CacheRecord;
  } catch {
    record = undefined;
  }
  const fresh =
    record !== undefined &&
    (record as { options?: string }).options === JSON.stringify(PROGRAM_OPTIONS) &&
    Array.isArray(record.inputs) &&
    fs.existsSync(file) &&
    (inputsStatKey(record.inputs) === record.statKey || inputsKey(record.inputs) === record.key);
  if (!fresh) {
    const result = buildSync({
      ...BUILD_OPTIONS,
      ...PROGRAM_OPTIONS,
      loader: { ...BUILD_OPTIONS.loader },
      external: [...BUILD_OPTIONS.external],
      mainFields: [...BUILD_OPTIONS.mainFields],
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, entry))],
      write: false,
      metafile: true,
      outfile: file,
      logLevel: "silent",
    });
    writeAtomically(file, result.outputFiles[0].contents);
    writeCacheRecord(cacheFile, result.metafile.inputs, { options: JSON.stringify(PROGRAM_OPTIONS) });
  } else if (record && inputsStatKey(record.inputs) !== record.statKey) {
    writeAtomically(cacheFile, JSON.stringify({ ...record, statKey: inputsStatKey(record.inputs) }));
  }
  const bundle = { file, bytes: fs.statSync(file).size };
  programs.set(name, bundle);
  return bundle;
}
