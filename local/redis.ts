/**
 * A real Redis server for tests and local development: `redis-server` on a free port of 127.0.0.1, no persistence.
 * `kill()` ends it abruptly (what a failing cache node looks like to the API); `start()` brings it back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createConnection } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { freePort, waitUntil } from "./ports";
import type { FunctionEnvironment } from "../lib/function-environment";

export interface StartRedisOptions {
  /**
   * Port on 127.0.0.1; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Serve TLS only on `port` (no plain port) with this certificate and key; clients are not asked for certificates.
   * @default plain TCP
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export interface LocalRedis {
  readonly host: string;
  readonly port: number;
  /** Environment of the API function pointing at this server (no auth). */
  readonly env: Required<Pick<FunctionEnvironment<"api">, "CACHE_HOST" | "CACHE_PORT" | "CACHE_TLS">>;
  /** SIGKILL: no goodbye to the clients, like a node that dies. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function answersPing(host: string, port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    // A liveness probe only: the certificate is the clients' business.
    const socket = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false })
      : createConnection({ host, port });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
    socket.once(tls ? "secureConnect" : "connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
  });
}

export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const host = "127.0.0.1";
  const port = options.port || (await freePort());
  let server: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (server) return;
    let log = "";
    const { tls } = options;
    const listen = tls ? ["--port", "0", "--tls-port", String(port)] : ["--port", String(port)];
    const certificate = tls
      ? ["--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile, "--tls-auth-clients", "no"]
      : [];
    const child = spawn(
      "redis-server",
      [
        ...listen,
        ...certificate,
        "--bind",
        host,
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const collect = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000));
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    server = child;
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error) =>
        reject(
          new Error(
            `redis-server could not be started (${error.message}): install it (Debian: apt-get install -y redis-server)`,
          ),
        ),
      );
      child.once("exit", (code) => reject(new Error(`redis-server exited with code ${code}: ${log.trim()}`)));
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([
        failed,
        waitUntil(`Redis on port ${port}`, () => answersPing(host, port, options.tls !== undefined)),
      ]);
    } catch (error) {
      server = undefined;
      child.kill("SIGKILL");
      throw error;
    }
    child.removeAllListeners("exit");
    child.once("exit", () => {
      if (server === child) server = undefined;
    });
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const child = server;
    if (!child) return;
    server = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  };

  process.once("exit", () => server?.kill("SIGKILL"));
  await start();

  return {
    host,
    port,
    env: { CACHE_HOST: host, CACHE_PORT: String(port), CACHE_TLS: String(options.tls !== undefined) },
    kill: () => terminate("SIGKILL"),
    start,
    stop: () => terminate("SIGTERM"),
  };
}
