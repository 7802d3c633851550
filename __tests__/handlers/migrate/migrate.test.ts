/**
 * The migrate function against a real PostgreSQL server (started here): applies the repository's migrations once,
 * is idempotent, serialises concurrent runs, rolls back a failing migration, refuses edited or unknown migrations,
 * and leaves the API role with the API's privileges only.
 */
import { createServer, type Server } from "http";
import type { AddressInfo } from "net";
import { Client } from "pg";
import { createMigrateHandler } from "../../../handlers/migrate/app";
import { loadMigrateConfig } from "../../../handlers/migrate/config";
import type { FunctionEnvironment } from "../../../lib/function-environment";
import { MIGRATIONS, parseMigrations } from "../../../handlers/migrate/migrations";
import { runMigrations } from "../../../handlers/migrate/runner";
import { API_DB_STATEMENT_TIMEOUT_MS } from "../../../shared/contracts/limits";
import { createLogger } from "../../../handlers/shared/logger";
import { startPostgres, type LocalPostgres } from "../../../local/postgres";

const logger = createLogger({ serviceName: "migrate-test", logLevel: "SILENT", version: "test" });
let pg: LocalPostgres;

const env = (): FunctionEnvironment<"migrate"> => ({
  ...pg.env,
  DB_API_USER: "blog_api",
  DB_API_PASSWORD: "api-local-password",
  LOG_LEVEL: "SILENT",
});

async function connect(user = pg.user, password = pg.password, database = pg.database): Promise<Client> {
  const client = new Client({ host: pg.host, port: pg.port, user, password, database });
  await client.connect();
  return client;
}

beforeAll(async () => {
  pg = await startPostgres({ database: "blog" });
});
afterAll(async () => {
  await pg?.stop();
});

describe("migrate handler", () => {
  it("applies every migration on the first run and nothing on the second", async () => {
    const handler = createMigrateHandler(loadMigrateConfig(env()));
    const first = await handler();
    expect(first.applied).toEqual(["001_posts_and_comments"]);
    expect(first.alreadyApplied).toEqual([]);
    expect(first.apiRole).toEqual({ name: "blog_api", created: true, iamAuth: false });

    const second = await handler();
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(["001_posts_and_comments"]);
    expect(second.apiRole.created).toBe(false);

    const admin = await connect();
    const { rows } = await admin.query("SELECT version, name FROM schema_migrations");
    await admin.end();
    expect(rows).toEqual([{ version: 1, name: "posts_and_comments" }]);
  });

  it("gives the API role data access but no DDL", async () => {
    const api = await connect("blog_api", "api-local-password");
    try {
      await api.query(
        "INSERT INTO posts (slug, title, excerpt, body, author_sub, author_name) VALUES ('grant-check', 't', '', 'b', 's', 'n')",
      );
      const { rows } = await api.query("SELECT slug FROM posts WHERE slug = 'grant-check'");
      expect(rows).toHaveLength(1);
      await api.query("DELETE FROM posts WHERE slug = 'grant-check'");
      await expect(api.query("CREATE TABLE intruder (id int)")).rejects.toThrow(/permission denied/);
      await expect(api.query("DROP TABLE comments")).rejects.toThrow(/must be owner/);
      await expect(api.query("SELECT * FROM schema_migrations")).rejects.toThrow(/permission denied/);
    } finally {
      await api.end();
    }
  });

  it("sets the API's statement timeout on its role, where it holds through RDS Proxy too", async () => {
    const api = await connect("blog_api", "api-local-password");
    try {
      const { rows } = await api.query<{ statement_timeout: string }>("SHOW statement_timeout");
      expect(rows[0].statement_timeout).toBe(`${API_DB_STATEMENT_TIMEOUT_MS / 1000}s`);
    } finally {
      await api.end();
    }
  });

  it("grants rds_iam when that role exists (as in RDS)", async () => {
    const admin = await connect();
    try {
      await admin.query("CREATE ROLE rds_iam NOLOGIN");
      const report = await createMigrateHandler(loadMigrateConfig(env()))();
      expect(report.apiRole.iamAuth).toBe(true);
      const { rows } = await admin.query("SELECT pg_has_role('blog_api', 'rds_iam', 'MEMBER') AS member");
      expect(rows[0].member).toBe(true);
    } finally {
      await admin.end();
    }
  });

  it("serialises concurrent runs with the advisory lock", async () => {
    const admin = await connect();
    await admin.query("CREATE DATABASE concurrent");
    await admin.end();
    const handler = createMigrateHandler(loadMigrateConfig({ ...env(), DB_NAME: "concurrent" }));
    const reports = await Promise.all([handler(), handler(), handler()]);
    const applied = reports.flatMap((report) => report.applied);
    expect(applied).toEqual(["001_posts_and_comments"]);
  });

  it("rolls back a failing migration entirely and reports which one failed", async () => {
    const admin = await connect();
    await admin.query("CREATE DATABASE failing");
    await admin.end();
    const client = await connect(pg.user, pg.password, "failing");
    try {
      const broken = parseMigrations({
        "001_good.sql": "CREATE TABLE good (id int);",
        "002_bad.sql": "CREATE TABLE half (id int); SELECT * FROM no_such_table;",
      });
      await expect(runMigrations(client, broken, { apiUser: "blog_api", logger })).rejects.toThrow(
        /Migration 002_bad failed and was rolled back: relation "no_such_table" does not exist/,
      );
      const tables = await client.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(["good", "schema_migrations"]);
      const versions = await client.query("SELECT version FROM schema_migrations");
      expect(versions.rows).toEqual([{ version: 1 }]);
      // The lock was released: a fixed set of migrations applies on the next run.
      const fixed = parseMigrations({
        "001_good.sql": "CREATE TABLE good (id int);",
        "002_bad.sql": "CREATE TABLE half (id int);",
      });
      const report = await runMigrations(client, fixed, { apiUser: "blog_api", logger });
      expect(report.applied).toEqual(["002_bad"]);
    } finally {
      await client.end();
    }
  });

  it("refuses a migration edited after it was applied, and migrations it does not know", async () => {
    const client = await connect(pg.user, pg.password, "failing");
    try {
      const edited = parseMigrations({
        "001_good.sql": "CREATE TABLE good (id bigint);",
        "002_bad.sql": "CREATE TABLE half (id int);",
      });
      await expect(runMigrations(client, edited, { apiUser: "blog_api", logger })).rejects.toThrow(
        /Migration 001_good was changed after it was applied/,
      );
      const older = parseMigrations({ "001_good.sql": "CREATE TABLE good (id int);" });
      await expect(runMigrations(client, older, { apiUser: "blog_api", logger })).rejects.toThrow(
        /migrations this code does not know \(2_bad\)/,
      );
    } finally {
      await client.end();
    }
  });
});

describe("master credentials from Secrets Manager", () => {
  // AWS itself is the one thing mocked here: a minimal Secrets Manager endpoint (JSON protocol, GetSecretValue only)
  // reached through AWS_ENDPOINT_URL_SECRETS_MANAGER, exactly as the SDK reaches the real one.
  let server: Server;
  let secretString = "";
  const requests: Array<{ target?: string; body: { SecretId?: string } }> = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk) => (text += chunk));
      request.on("end", () => {
        requests.push({
          target: request.headers["x-amz-target"] as string | undefined,
          body: JSON.parse(text),
        });
        response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify({ ARN: "arn:secret", Name: "db", SecretString: secretString }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  const secretEnv = () => {
    // Empty counts as unset: the secret is then the only source of credentials.
    return {
      ...env(),
      DB_USER: "",
      DB_PASSWORD: "",
      DB_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:db",
    };
  };

  it("reads the RDS-managed secret and migrates with it", async () => {
    secretString = JSON.stringify({ username: pg.user, password: pg.password, engine: "postgres" });
    const report = await createMigrateHandler(loadMigrateConfig(secretEnv()))();
    expect(report.alreadyApplied).toEqual(["001_posts_and_comments"]);
    expect(requests.at(-1)).toEqual({
      target: "secretsmanager.GetSecretValue",
      body: { SecretId: "arn:aws:secretsmanager:us-east-1:000000000000:secret:db" },
    });
  });

  it("says clearly when the secret is not the expected JSON", async () => {
    secretString = "not json";
    await expect(createMigrateHandler(loadMigrateConfig(secretEnv()))()).rejects.toThrow(
      'Secret arn:aws:secretsmanager:us-east-1:000000000000:secret:db is not JSON: expected {"username","password"}',
    );
    secretString = JSON.stringify({ user: "x" });
    await expect(createMigrateHandler(loadMigrateConfig(secretEnv()))()).rejects.toThrow(
      'Secret arn:aws:secretsmanager:us-east-1:000000000000:secret:db lacks "username" or "password"',
    );
  });
});

describe("migration files", () => {
  it("are numbered without gaps and carry checksums", () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    expect(MIGRATIONS.every((migration) => /^[0-9a-f]{64}$/.test(migration.checksum))).toBe(true);
  });

  it("rejects badly named, empty, duplicated or gapped files", () => {
    expect(() => parseMigrations({ "1_x.sql": "SELECT 1" })).toThrow(
      /must be named NNN_lower_snake_name.sql/,
    );
    expect(() => parseMigrations({ "001_x.sql": "  " })).toThrow(/"001_x.sql" is empty/);
    expect(() => parseMigrations({ "001_a.sql": "SELECT 1", "003_c.sql": "SELECT 1" })).toThrow(
      /without gaps or duplicates: found 3 at position 2/,
    );
  });
});

describe("migrate configuration", () => {
  it("names every missing variable at once", () => {
    expect(() => loadMigrateConfig({ DB_PORT: "70000" })).toThrow(
      'The migrate function\'s environment is invalid: DB_HOST is not set; DB_PORT must be a whole number from 1 to 65535, got "70000"; DB_NAME is not set; DB_API_USER is not set',
    );
    expect(() =>
      loadMigrateConfig({ DB_HOST: "db", DB_NAME: "blog", DB_API_USER: "blog_api", DB_USER: "" }),
    ).toThrow(
      "The migrate function's environment is invalid: DB_USER is required when DB_SECRET_ARN is not set; DB_PASSWORD is required when DB_SECRET_ARN is not set",
    );
  });

  it("accepts the RDS secret instead of a user and password, and checks the role name", () => {
    const config = loadMigrateConfig({
      DB_HOST: "db",
      DB_NAME: "blog",
      DB_SECRET_ARN: "arn:secret",
      DB_API_USER: "blog_api",
    });
    expect(config.DB_SSL).toBe("require");
    expect(config.DB_PORT).toBe(5432);
    expect(() =>
      loadMigrateConfig({ DB_HOST: "db", DB_NAME: "blog", DB_SECRET_ARN: "arn", DB_API_USER: 'x"; DROP' }),
    ).toThrow(/DB_API_USER: must be a lower-case PostgreSQL role name/);
  });
});
