/**
 * `npm run dev` (`tsx dev/server.ts`): compiles the dev server (./main.ts with the local service starters and the
 * site build) into one JavaScript file with esbuild and runs it with plain node. Loading the local services'
 * modules through the TypeScript loader costs seconds of the ≤ 10 s startup; compiling takes ~0.1 s.
 *
 * Signals are passed on; the dev server also stops by itself when this process disappears (IPC disconnect).
 */
import { spawn } from "child_process";
import { buildSync } from "esbuild";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { writeAtomically } from "./local-lambda";

const launchedAt = Date.now() - process.uptime() * 1000;
const outfile = path.join(PROJECT_ROOT, ".build", "dev", "server.js");
const { outputFiles } = buildSync({
  absWorkingDir: PROJECT_ROOT,
  entryPoints: ["dev/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  loader: { ".sql": "text", ".html": "text", ".txt": "text" },
  // Modules with a command-line entry (`if (require.main === module)`) must not run it inside the bundle.
  define: { "require.main": "undefined" },
  sourcemap: "inline",
  write: false,
  logLevel: "warning",
});
writeAtomically(outfile, outputFiles[0].contents);

const server = spawn(process.execPath, ["--enable-source-maps", outfile], {
  cwd: PROJECT_ROOT,
  stdio: ["inherit", "inherit", "inherit", "ipc"],
  env: { ...process.env, DEV_LAUNCHED_AT: String(Math.round(launchedAt)) },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (server.exitCode === null && server.signalCode === null) server.kill(signal);
  });
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
