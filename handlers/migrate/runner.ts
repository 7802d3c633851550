/**
 * Applies pending migrations: serialised by a PostgreSQL advisory lock (two deploys at once cannot interleave),
 * each migration in its own transaction together with its bookkeeping row, so a failure leaves nothing half done
 * and a rerun applies exactly what is missing. Then makes sure the API's login role exists with only the API's
 * privileges.
 */
import { escapeIdentifier, escapeLiteral, type ClientBase } from "pg";
import { API_DB_STATEMENT_TIMEOUT_MS } from "../../shared/contracts/limits";
import type { Logger } from "../shared/logger";
import { API_ACCESS_ROLE, type Migration } from "./migrations";

/** Arbitrary constant shared by every migrate run ("myblog" in ASCII), the key of the advisory lock. */
const MIGRATION_LOCK_KEY = 0x6d79626c6f67;

export interface MigrateOptions {
  /** The API's login role, created if missing. */
  readonly apiUser: string;
  /** Local development only: password of the API role (in AWS the API authenticates with IAM tokens). */
  readonly apiPassword?: string;
  readonly logger: Logger;
}

export interface MigrateReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
  readonly apiRole: { readonly name: string; readonly created: boolean; readonly iamAuth: boolean };
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MigrationError";
  }
}

const label = (migration: Migration) => `${String(migration.version).padStart(3, "0")}_${migration.name}`;

export async function runMigrations(
  client: ClientBase,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<MigrateReport> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
    );
    const recorded = new Map(rows.map((row) => [row.version, row]));
    const known = new Set(migrations.map((migration) => migration.version));
    const unknown = rows.filter((row) => !known.has(row.version));
    if (unknown.length > 0) {
      throw new MigrationError(
        `The database has migrations this code does not know (${unknown.map((row) => `${row.version}_${row.name}`).join(", ")}): deploy a newer version instead of rolling back`,
      );
    }

    const applied: string[] = [];
    const alreadyApplied: string[] = [];
    for (const migration of migrations) {
      const previous = recorded.get(migration.version);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${label(migration)} was changed after it was applied: add a new migration instead of editing an applied one`,
          );
        }
        alreadyApplied.push(label(migration));
        continue;
      }
      await applyOne(client, migration);
      options.logger.info("Migration applied", { migration: label(migration) });
      applied.push(label(migration));
    }

    const apiRole = await ensureApiRole(client, options);
    return { applied, alreadyApplied, apiRole };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  }
}

async function applyOne(client: ClientBase, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.sql);
    await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw new MigrationError(
      `Migration ${label(migration)} failed and was rolled back: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** The API's login role: member of the access role and, in RDS, of `rds_iam` (IAM token authentication). */
async function ensureApiRole(client: ClientBase, options: MigrateOptions): Promise<MigrateReport["apiRole"]> {
  const role = escapeIdentifier(options.apiUser);
  await client.query("BEGIN");
  try {
    const existing = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [options.apiUser]);
    const created = existing.rowCount === 0;
    if (created) await client.query(`CREATE ROLE ${role} LOGIN`);
    if (options.apiPassword !== undefined) {
      await client.query(`ALTER ROLE ${role} PASSWORD ${escapeLiteral(options.apiPassword)}`);
    }
    await client.query(`GRANT ${escapeIdentifier(API_ACCESS_ROLE)} TO ${role}`);
    // The server enforces it however the API connects: RDS Proxy refuses it as a startup parameter.
    await client.query(`ALTER ROLE ${role} SET statement_timeout = ${API_DB_STATEMENT_TIMEOUT_MS}`);
    const { rows } = await client.query<{ db: string }>("SELECT current_database() AS db");
    await client.query(`GRANT CONNECT ON DATABASE ${escapeIdentifier(rows[0].db)} TO ${role}`);
    const iam = await client.query("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'");
    const iamAuth = (iam.rowCount ?? 0) > 0;
    if (iamAuth) await client.query(`GRANT rds_iam TO ${role}`);
    await client.query("COMMIT");
    return { name: options.apiUser, created, iamAuth };
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
