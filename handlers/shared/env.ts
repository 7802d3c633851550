/**
 * Fail-fast reading of a function's environment: one `zod/mini` schema per function (see ./zod-messages.ts for why
 * mini), parsed once at cold start. Every problem is reported at once, naming the variable, so a misconfigured
 * deployment fails with one clear message.
 */
import * as z from "zod/mini";
import { ConfigError } from "./errors";
import "./zod-messages";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment and throws one ConfigError naming every problem; `describe` words each problem. Empty
 * strings count as unset (Terraform and shells often produce them for "no value"), and values are never echoed:
 * some of these variables are secrets.
 */
function parseEnv<S extends z.ZodMiniType>(
  functionName: string,
  schema: S,
  env: Env,
  describe: (issue: z.core.$ZodIssue, isSet: (name: string) => boolean) => string,
): z.output<S> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => describe(issue, (name) => cleaned[name] !== undefined));
  throw new ConfigError(`The ${functionName} function's environment is invalid: ${problems.join("; ")}`);
}

/**
 * The API's and migrate's reading: their cross-variable rules are sentences about a variable ("DB_PASSWORD is
 * required when …"), and a list item is named by its position (UPLOAD_CONTENT_TYPES.1).
 */
export function readEnv<S extends z.ZodMiniType>(functionName: string, schema: S, env: Env): z.output<S> {
  return parseEnv(functionName, schema, env, (issue, isSet) => {
    const name = issue.path.join(".");
    if (issue.code === "custom") return `${name} ${issue.message}`;
    return isSet(name) ? `${name}: ${issue.message}` : `${name} is not set`;
  });
}

/**
 * The event handlers' reading: every message is about the value ("THUMBNAIL_WIDTHS: must not repeat a width"),
 * named by the variable alone (a list item is not a name anyone set).
 */
export function readEventEnv<S extends z.ZodMiniType>(
  functionName: string,
  schema: S,
  env: Env,
): z.output<S> {
  return parseEnv(functionName, schema, env, (issue, isSet) => {
    const name = String(issue.path[0] ?? "");
    return isSet(name) ? `${name}: ${issue.message}` : `${name} is not set`;
  });
}

/** A whole number within bounds, coerced from text, with zod's own messages ("Too big: expected number to be <=65535"). */
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
/** A whole number within bounds, from its decimal text, with short messages ("must be at least 1"). */
export const envInteger = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, "must be a whole number")),
    z.pipe(
      z.transform((value: string) => Number(value)),
      z.number().check(z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`)),
    ),
  );

/** Variables every function gets from the stacks. */
export const commonEnv = {
  POWERTOOLS_SERVICE_NAME: z._default(z.string(), "myblog"),
  LOG_LEVEL: z._default(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform((value: string) => value.toUpperCase()),
        z.enum(
          ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"],
          "must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT",
        ),
      ),
    ),
    "INFO",
  ),
  APP_VERSION: z._default(z.string(), "dev"),
};

/** Where the database is, for the functions that connect to it (api, migrate). */
export const dbEnv = {
  DB_HOST: z.string(),
  DB_PORT: z._default(envInt(1, 65535), 5432),
  DB_NAME: z.string(),
  /** `require` in AWS (TLS, certificate verified), `disable` locally. */
  DB_SSL: z._default(z.enum(["require", "disable"]), "require"),
  /** Read by Node itself, not the handler: extra CA certificates (Lambda's bundle holds the RDS roots). */
  NODE_EXTRA_CA_CERTS: z.optional(z.string()),
};
