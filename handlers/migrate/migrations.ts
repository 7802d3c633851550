/**
 * The versioned migrations shipped in the bundle: SQL files imported as text (no file reads at run time), in the
 * order of their number. Add a file `migrations/NNN_name.sql` and list it here; applied files must never change.
 */
import { createHash } from "crypto";
import m001 from "./migrations/001_posts_and_comments.sql";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the SQL, recorded when applied, to detect a migration edited after the fact. */
  readonly checksum: string;
}

const FILES: Record<string, string> = {
  "001_posts_and_comments.sql": m001,
};

/** Group role the migrations grant the API's privileges to (see 001). */
export const API_ACCESS_ROLE = "blog_api_access";

export function parseMigrations(files: Record<string, string>): Migration[] {
  const migrations = Object.entries(files).map(([file, sql]) => {
    const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file "${file}" must be named NNN_lower_snake_name.sql`);
    if (sql.trim().length === 0) throw new Error(`Migration file "${file}" is empty`);
    return {
      version: Number(match[1]),
      name: match[2],
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    };
  });
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migrations must be numbered 001, 002, … without gaps or duplicates: found ${migration.version} at position ${index + 1}`,
      );
    }
  });
  return migrations;
}

export const MIGRATIONS: readonly Migration[] = parseMigrations(FILES);
