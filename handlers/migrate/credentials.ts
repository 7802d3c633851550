/** The master credentials: from the RDS-managed secret in AWS, from the environment locally. */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "zod/mini";
import { ConfigError } from "../../shared/config-error";
import type { MigrateConfig } from "./config";

export interface DbCredentials {
  readonly username: string;
  readonly password: string;
}

const rdsSecret = z.object({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
});

export async function resolveCredentials(
  config: MigrateConfig,
  secrets: () => SecretsManagerClient,
): Promise<DbCredentials> {
  if (config.DB_SECRET_ARN === undefined) {
    // loadMigrateConfig guarantees both are set when there is no secret.
    return { username: config.DB_USER as string, password: config.DB_PASSWORD as string };
  }
  const { SecretString } = await secrets().send(
    new GetSecretValueCommand({ SecretId: config.DB_SECRET_ARN }),
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(SecretString ?? "");
  } catch {
    throw new ConfigError(`Secret ${config.DB_SECRET_ARN} is not JSON: expected {"username","password"}`);
  }
  const secret = rdsSecret.safeParse(parsed);
  if (!secret.success) {
    throw new ConfigError(`Secret ${config.DB_SECRET_ARN} lacks "username" or "password"`);
  }
  return secret.data;
}
