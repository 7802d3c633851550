// `npm run dev`: compiles the dev server (./main.ts with the local service starters and the site build) into one
// JavaScript file with esbuild and runs it with plain node. Loading the local services' modules through a
// TypeScript loader would cost seconds of the ≤ 10 s startup; compiling takes ~0.1 s.
//
// Plain JavaScript on purpose: a TypeScript runner in front (tsx) relays Ctrl-C with a 30 ms deadline and, when
// the machine is busy, kills the dev server instead of letting it stop its services.
// Signals are passed on; the dev server also stops by itself when this process disappears (IPC disconnect).
import { spawn } from "child_process";
import { buildSync } from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";

const launchedAt = Date.now() - process.uptime() * 1000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, ".build", "dev", "server.js");
const { outputFiles } = buildSync({
  absWorkingDir: root,
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
// Temporary file + rename: another dev server of this checkout may be starting from the same file.
fs.mkdirSync(path.dirname(outfile), { recursive: true });
const temporary = `${outfile}.${process.pid}.tmp`;
fs.writeFileSync(temporary, outputFiles[0].contents);
fs.renameSync(temporary, outfile);

const server = spawn(process.execPath, ["--enable-source-maps", outfile], {
  cwd: root,
  stdio: ["inherit", "inherit", "inherit", "ipc"],
  env: { ...process.env, DEV_LAUNCHED_AT: String(Math.round(launchedAt)) },
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (server.exitCode === null && server.signalCode === null) server.kill(signal);
  });
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
