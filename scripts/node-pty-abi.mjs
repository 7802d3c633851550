// npm "postinstall" (and scripts/node24-check.ts under Node 24): gives cdktf-cli's terminal module a native build for
// the Node.js that runs this script. @cdktf/node-pty-prebuilt-multiarch ships prebuilds up to ABI 127 (Node 22), so
// `cdktf` fails to start on Node 24 (ABI 137) with "Cannot find module '../build/Release/pty.node'"; its install
// script is not allowed (package.json "allowScripts"). When no prebuild matches, this compiles one with npm's own
// node-gyp against the running Node's headers (an official build carries them in include/node, so no download)
// and puts it where the package looks first: prebuilds/<platform>-<arch>/node.abi<N>.node. No-op otherwise.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = path.join(root, "node_modules", "@cdktf", "node-pty-prebuilt-multiarch");
const musl = process.platform === "linux" && fs.existsSync("/etc/alpine-release") ? ".musl" : "";
const target = path.join(
  pkg,
  "prebuilds",
  `${process.platform}-${process.arch}`,
  `node.abi${process.versions.modules}${musl}.node`,
);

function main() {
  if (!fs.existsSync(pkg) || fs.existsSync(target)) return 0;
  const cached = path.join(root, ".build", "node-pty", `abi${process.versions.modules}${musl}`);
  const built = path.join(cached, "build", "Release", "pty.node");
  if (!fs.existsSync(built)) {
    const npmCli = process.env.npm_execpath;
    const gyp =
      process.env.npm_config_node_gyp ??
      (npmCli && path.join(path.dirname(npmCli), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
    if (!gyp || !fs.existsSync(gyp)) {
      console.error(
        `node-pty-abi: no prebuild for Node.js ${process.version} and npm's node-gyp not found; run through npm`,
      );
      return 1;
    }
    fs.rmSync(cached, { recursive: true, force: true });
    fs.mkdirSync(path.join(cached, "node_modules"), { recursive: true });
    for (const entry of ["binding.gyp", "src", "deps", "scripts", "package.json"]) {
      if (fs.existsSync(path.join(pkg, entry)))
        fs.cpSync(path.join(pkg, entry), path.join(cached, entry), { recursive: true });
    }
    fs.cpSync(path.join(root, "node_modules", "nan"), path.join(cached, "node_modules", "nan"), {
      recursive: true,
    });
    const nodeDir = path.resolve(path.dirname(process.execPath), "..");
    const headers = fs.existsSync(path.join(nodeDir, "include", "node", "node.h"))
      ? [`--nodedir=${nodeDir}`]
      : [];
    console.log(`node-pty-abi: compiling cdktf-cli's terminal module for Node.js ${process.version}`);
    // npm's own configuration may name another Node's headers (Debian's npm sets nodedir=/usr): these win.
    const env = { ...process.env };
    if (headers.length > 0) delete env.npm_config_nodedir;
    const run = spawnSync(process.execPath, [gyp, "rebuild", ...headers], {
      cwd: cached,
      env,
      stdio: "inherit",
    });
    if (run.status !== 0 || !fs.existsSync(built)) {
      console.error(`node-pty-abi: node-gyp failed; cdktf will not start on Node.js ${process.version}`);
      return 1;
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(built, target);
  return 0;
}

// As npm's postinstall a failure only warns: Node 20 and 22 never get here, and `npm ci` should not stop for it.
const status = main();
process.exitCode = process.env.npm_lifecycle_event === "postinstall" ? 0 : status;
