/** The migrate function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv, dbEnv } from "../shared/env";
import { readEnv, type Env } from "../../shared/env-reader";

const roleName = z
  .string()
  .check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL role name"));

const schema = z
  .object({
    ...commonEnv,
    ...dbEnv,
    /** RDS-managed master secret; without it, DB_USER + DB_PASSWORD (local development). */
    DB_SECRET_ARN: z.optional(z.string()),
    DB_USER: z.optional(z.string()),
    DB_PASSWORD: z.optional(z.string()),
    DB_API_USER: roleName,
    /** Local development only: lets the API role log in with a password instead of an IAM token. */
    DB_API_PASSWORD: z.optional(z.string()),
  })
  .check(
    z.superRefine((env, ctx) => {
      if (env.DB_SECRET_ARN === undefined) {
        for (const name of ["DB_USER", "DB_PASSWORD"] as const) {
          if (env[name] === undefined) {
            ctx.addIssue({
              code: "custom",
              path: [name],
              message: "is required when DB_SECRET_ARN is not set",
            });
          }
        }
      }
    }),
  );

/** The variables as set (text), for the stacks and local environments to be checked against. */
export type MigrateEnv = z.input<typeof schema>;
export type MigrateConfig = z.output<typeof schema>;

export function loadMigrateConfig(env: Env): MigrateConfig {
  return readEnv("migrate function", schema, env);
}
