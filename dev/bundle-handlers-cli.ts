/** Bundles the handlers named in argv with `bundleHandler` and prints `{ "<name>": "<bundleDir>" }` (see ./bundle-handlers.ts). */
import { bundleHandler } from "../lib/bundle";

const dirs = Object.fromEntries(process.argv.slice(2).map((name) => [name, bundleHandler(name).bundleDir]));
process.stdout.write(JSON.stringify(dirs));
