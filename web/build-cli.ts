/**
 * `npm run build:web [-- <outDir>]`: builds the site and lists what it wrote.
 * Kept apart from `build.ts`, which bundled programs (the app, the dev server) import: a
 * `require.main === module` guard there would be true inside those bundles.
 */
import * as fs from "fs";
import { buildSite } from "./build";

const started = process.hrtime.bigint();
const files = buildSite({ outDir: process.argv[2] });
const ms = Number(process.hrtime.bigint() - started) / 1e6;
for (const file of files) {
  const bytes = fs.statSync(file.absolutePath).size;
  console.log(
    `${file.path.padEnd(36)} ${String(bytes).padStart(8)} B  ${file.contentType}  ${file.cacheControl}`,
  );
}
console.log(`built ${files.length} files in ${ms.toFixed(0)} ms`);
