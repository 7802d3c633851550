/**
 * The AWS emulator moto in server mode, for applying the stacks for real: `moto_server` on a free port of
 * 127.0.0.1, over TLS (our bucket policies rightly deny plain HTTP), with its Docker-based Lambda execution off
 * (functions are created, never run). moto comes from PyPI, pinned in requirements-test.txt.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/paths";
import { freePort, waitUntil } from "./ports";

/** How to install moto when it is missing: the same words everywhere. */
export const MOTO_INSTALL_HINT =
  "python3 -m venv .venv && .venv/bin/pip install -r requirements-test.txt (or set MOTO_SERVER to a moto_server binary)";

export interface LocalMoto {
  /** `https://127.0.0.1:<port>`: one endpoint for every service. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** `MOTO_SERVER`, else the project's `.venv`, else `moto_server` on PATH. */
export function motoBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOTO_SERVER) return env.MOTO_SERVER;
  const venv = join(PROJECT_ROOT, ".venv", "bin", "moto_server");
  return existsSync(venv) ? venv : "moto_server";
}

/** One HTTPS call to moto's own API (its certificate is self-signed: this is a local probe, not a client). */
function motoApi(port: number, method: "GET" | "POST", path: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 400)
            reject(new Error(`moto ${path}: HTTP ${res.statusCode} ${text}`));
          else resolve(text);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`moto ${path}: no answer within 2 s`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export interface StartMotoOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Append the emulator's own log (every request, every traceback) to this file. @default kept in memory only */
  readonly logFile?: string;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<LocalMoto> {
  const port = options.port || (await freePort());
  const binary = motoBinary();
  let log = "";
  const child: ChildProcess = spawn(binary, ["-H", "127.0.0.1", "-p", String(port), "--ssl"], {
    stdio: ["ignore", "pipe", "pipe"],
    // AWS-managed IAM policies exist in every AWS account; moto loads
    // them only when asked, and only through its environment (its config API does not take this setting).
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
  });
  const logStream = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
  const collect = (chunk: Buffer) => {
    logStream?.write(chunk);
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(
        new Error(`moto could not be started with "${binary}" (${error.message}): ${MOTO_INSTALL_HINT}`),
      ),
    );
    child.once("exit", (code) => reject(new Error(`moto_server exited with code ${code}: ${log.trim()}`)));
  });
  failed.catch(() => undefined);
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  try {
    await Promise.race([
      failed,
      waitUntil(
        `moto on port ${port}`,
        () => motoApi(port, "GET", "/moto-api/config").then(() => true),
        30_000,
      ),
    ]);
    // Lambda and Batch would run code in Docker containers: created, never run (there is no Docker engine here).
    await motoApi(port, "POST", "/moto-api/config", {
      batch: { use_docker: false },
      lambda: { use_docker: false },
    });
  } catch (error) {
    kill();
    throw error;
  }
  child.removeAllListeners("exit");

  return {
    endpoint: `https://127.0.0.1:${port}`,
    port,
    stop: async () => {
      process.removeListener("exit", kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      logStream?.end();
    },
  };
}
