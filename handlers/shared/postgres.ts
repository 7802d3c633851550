/**
 * PostgreSQL connections for the functions in the VPC: a small pool per container (Lambda serves one request at a
 * time, so 1–2 connections suffice and RDS connection slots stay free), TLS with certificate verification in AWS,
 * and a password that may be a fresh IAM auth token per connection.
 */
import { Pool, type PoolConfig } from "pg";
import { UnavailableError } from "./errors";
import type { Logger } from "./logger";

export interface PgSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** A fixed password, or a function called for every new connection (IAM auth tokens expire after 15 minutes). */
  readonly password: string | (() => Promise<string>);
  /**
   * `require`: TLS with the server certificate verified against the trusted CAs (in Lambda set
   * `NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem` so that the RDS CAs are trusted). `disable`: plain TCP, local only.
   */
  readonly ssl: "require" | "disable";
  /** @default 2 */
  readonly maxConnections?: number;
  /** @default 2000 */
  readonly connectTimeoutMs?: number;
  /** @default 5000 */
  readonly statementTimeoutMs?: number;
  /**
   * `host` is an RDS Proxy, which accepts no startup parameters but application_name, client_encoding, DateStyle,
   * TimeZone and extra_float_digits: `statement_timeout` is then not sent (set it on the role), the client-side
   * query timeout stays. @default false
   */
  readonly viaProxy?: boolean;
  /** Shown in pg_stat_activity. @default "myblog" */
  readonly applicationName?: string;
}

export function createPgPool(settings: PgSettings, logger: Logger): Pool {
  const config: PoolConfig = {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    ssl: settings.ssl === "require" ? { rejectUnauthorized: true } : false,
    min: 0,
    max: settings.maxConnections ?? 2,
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 2000,
    statement_timeout: settings.viaProxy ? undefined : (settings.statementTimeoutMs ?? 5000),
    query_timeout: (settings.statementTimeoutMs ?? 5000) + 1000,
    // Keep connections across invocations; a frozen container's idle sockets are dropped by the server, and pg
    // then discards them through the "error" event below.
    idleTimeoutMillis: 0,
    keepAlive: true,
    application_name: settings.applicationName ?? "myblog",
  };
  const pool = new Pool(config);
  // An idle connection that dies (server restart, failover) must not crash the process.
  pool.on("error", (error) => logger.warn("PostgreSQL connection lost", { error: describeError(error) }));
  return pool;
}

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up / shutting down)
  "53300", // too_many_connections
]);

/** Errors that mean "the database cannot be reached right now" rather than "this query is wrong". */
export function isConnectionError(error: unknown): boolean {
  if (!isErrorLike(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_ERROR_CODES.has(code) || code.startsWith("08"))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connect ECONNREFUSED|the database system is (starting up|shutting down)/i.test(
    error.message,
  );
}

/** Runs a database call, turning connection failures into {@link UnavailableError} (HTTP 503). */
export async function withDatabase<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectionError(error)) {
      throw new UnavailableError("The database is unavailable, please retry shortly", {
        code: "database_unavailable",
        dependency: "postgresql",
        cause: error,
      });
    }
    throw error;
  }
}

/** A compact, log-friendly view of an error (no stack traces in responses, but keep them in logs). */
export function describeError(error: unknown): Record<string, unknown> {
  if (isErrorLike(error)) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(code === undefined ? {} : { code }),
      stack: error.stack,
    };
  }
  return { message: String(error) };
}

/** Duck-typed: errors from Node's internals may come from another realm (VM contexts), where instanceof fails. */
function isErrorLike(error: unknown): error is Error {
  return typeof error === "object" && error !== null && typeof (error as Error).message === "string";
}
