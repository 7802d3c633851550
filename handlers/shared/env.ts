/**
 * Fail-fast reading of a function's environment: one zod schema per function, parsed once at cold start. Every
 * problem is reported at once, naming the variable, so a misconfigured deployment fails with one clear message.
 */
import * as z from "zod";
import { ConfigError } from "./errors";

export type Env = Readonly<Record<string, string | undefined>>;

export function readEnv<S extends z.ZodType>(functionName: string, schema: S, env: Env): z.output<S> {
  // Empty strings count as unset: Terraform and shells often produce them for "no value".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join(".");
    if (issue.code === "custom") return `${name} ${issue.message}`;
    // Values are never echoed: some of these variables are secrets.
    return cleaned[name] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(`The ${functionName} function's environment is invalid: ${problems.join("; ")}`);
}

/** Common building blocks for the schemas. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const envBool = z.enum(["true", "false"]).transform((value) => value === "true");
export const envList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);
export const logLevel = z
  .string()
  .default("INFO")
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"]));

/** Variables every function gets from the stacks. */
export const commonEnv = {
  POWERTOOLS_SERVICE_NAME: z.string().default("myblog"),
  LOG_LEVEL: logLevel,
  APP_VERSION: z.string().default("dev"),
};

/** Where the database is, for the functions that connect to it (api, migrate). */
export const dbEnv = {
  DB_HOST: z.string(),
  DB_PORT: envInt(1, 65535).default(5432),
  DB_NAME: z.string(),
  /** `require` in AWS (TLS, certificate verified), `disable` locally. */
  DB_SSL: z.enum(["require", "disable"]).default("require"),
};
