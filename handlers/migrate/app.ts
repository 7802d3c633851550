/**
 * Schema migrations, invoked by Terraform on deploy (the invocation's result is the report of what was applied; a
 * failure fails the deploy). One short-lived connection per invocation: migrations are rare, no pool needed.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Client } from "pg";
import { createLogger } from "../shared/logger";
import { describeError } from "../shared/postgres";
import type { MigrateConfig } from "./config";
import { resolveCredentials } from "./credentials";
import { MIGRATIONS } from "./migrations";
import { runMigrations, type MigrateReport } from "./runner";

export function createMigrateHandler(config: MigrateConfig): () => Promise<MigrateReport> {
  const logger = createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  });
  let secrets: SecretsManagerClient | undefined;
  const secretsClient = () => (secrets ??= new SecretsManagerClient({}));

  return async () => {
    const credentials = await resolveCredentials(config, secretsClient);
    const client = new Client({
      host: config.DB_HOST,
      port: config.DB_PORT,
      database: config.DB_NAME,
      user: credentials.username,
      password: credentials.password,
      ssl: config.DB_SSL === "require" ? { rejectUnauthorized: true } : false,
      connectionTimeoutMillis: 10_000,
      application_name: "myblog-migrate",
    });
    client.on("error", (error) => logger.warn("PostgreSQL connection lost", { error: describeError(error) }));
    await client.connect();
    try {
      const report = await runMigrations(client, MIGRATIONS, {
        apiUser: config.DB_API_USER,
        apiPassword: config.DB_API_PASSWORD,
        logger,
      });
      logger.info("Migrations done", { ...report });
      return report;
    } catch (error) {
      logger.error("Migrations failed", { error: describeError(error) });
      throw error;
    } finally {
      await client.end();
    }
  };
}
