/**
 * Fail-fast reading of a function's environment: one zod schema per function, parsed once at cold start. Every
 * problem is reported at once, naming the variable, so a misconfigured deployment fails with one clear message.
 */
import * as z from "zod/mini";
import { ConfigError } from "./errors";
import "./zod-messages";

export type Env = Readonly<Record<string, string | undefined>>;

export function readEnv<S extends z.ZodMiniType>(functionName: string, schema: S, env: Env): z.output<S> {
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

/** Common building blocks for the schemas (`zod/mini`: see ./zod-messages.ts for why). */
export const envInt = (min: number, max: number) =>
  z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));
export const envBool = z.pipe(
  z.enum(["true", "false"]),
  z.transform((value) => value === "true"),
);
export const envList = z.pipe(
  z.string(),
  z.transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
);
export const logLevel = z.pipe(
  z._default(z.string(), "INFO"),
  z.pipe(
    z.transform((value: string) => value.toUpperCase()),
    z.enum(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"]),
  ),
);

/** Variables every function gets from the stacks. */
export const commonEnv = {
  POWERTOOLS_SERVICE_NAME: z._default(z.string(), "myblog"),
  LOG_LEVEL: logLevel,
  APP_VERSION: z._default(z.string(), "dev"),
};

/** Where the database is, for the functions that connect to it (api, migrate). */
export const dbEnv = {
  DB_HOST: z.string(),
  DB_PORT: z._default(envInt(1, 65535), 5432),
  DB_NAME: z.string(),
  /** `require` in AWS (TLS, certificate verified), `disable` locally. */
  DB_SSL: z._default(z.enum(["require", "disable"]), "require"),
};
