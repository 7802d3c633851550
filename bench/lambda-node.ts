/**
 * The Node.js major version the Lambda runtime runs (`NODE_RUNTIME`, e.g. nodejs24.x), for benchmarks that should
 * measure on it rather than on whatever Node this machine has. Cold-start costs differ between majors: Node 20,
 * for example, has no `navigator`, so pg probes for Cloudflare Workers by loading the whole fetch implementation.
 *
 * The binary comes from npm (`node-<os>-<arch>@<major>`, the official build the `node` package installs), cached
 * in `.build/node-runtime/`. Without the registry, benchmarks fall back to this machine's Node and say so.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NODE_RUNTIME } from "../lib/node-function";
import { PROJECT_ROOT } from "../lib/paths";

export interface NodeBinary {
  readonly path: string;
  readonly version: string;
}

export function lambdaNodeMajor(): number {
  const major = /^nodejs(\d+)\.x$/.exec(NODE_RUNTIME)?.[1];
  if (!major) throw new Error(`Unexpected Lambda runtime "${NODE_RUNTIME}"`);
  return Number(major);
}

/** This machine's Node when its major is the runtime's; otherwise the runtime's build from npm, or an explanation. */
export function lambdaNode(): NodeBinary | { readonly unavailable: string } {
  const major = lambdaNodeMajor();
  if (Number(process.versions.node.split(".")[0]) === major) {
    return { path: process.execPath, version: process.version };
  }
  const dir = path.join(PROJECT_ROOT, ".build", "node-runtime", String(major));
  const binary = path.join(dir, "package", "bin", "node");
  if (!fs.existsSync(binary)) {
    const spec = `node-${os.platform()}-${os.arch()}@${major}`;
    fs.mkdirSync(dir, { recursive: true });
    const pack = spawnSync("npm", ["pack", spec, "--silent"], { cwd: dir, encoding: "utf8" });
    const tarball = pack.stdout?.trim().split("\n").pop();
    if (pack.status !== 0 || !tarball) {
      return { unavailable: `npm pack ${spec} failed: ${(pack.stderr || pack.error?.message || "").trim()}` };
    }
    const untar = spawnSync("tar", ["xzf", tarball], { cwd: dir, encoding: "utf8" });
    fs.rmSync(path.join(dir, tarball), { force: true });
    if (untar.status !== 0 || !fs.existsSync(binary)) {
      return { unavailable: `unpacking ${spec} failed: ${untar.stderr.trim()}` };
    }
  }
  const version = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (version.status !== 0) return { unavailable: `${binary} does not run on this machine` };
  return { path: binary, version: version.stdout.trim() };
}
