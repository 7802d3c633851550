/**
 * The one environment reader: a `zod/mini` schema of the variables (see ./zod-messages.ts for why mini), parsed once
 * at start. Every problem is reported at once in one ConfigError, naming the variable, so a misconfigured function,
 * dev server or benchmark fails with one clear message.
 */
import * as z from "zod/mini";
import { ConfigError } from "./config-error";
import { wholeNumber } from "./whole-number";
import "./zod-messages";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment of `owner` ("api function", "dev server") and throws one ConfigError naming every problem;
 * `describe` words each problem. Empty strings count as unset (Terraform and shells often produce them for "no
 * value"), and values are never echoed (some variables are secrets), except by a rule that says so (a whole number).
 */
function parseEnv<S extends z.ZodMiniType>(
  owner: string,
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
  throw new ConfigError(`The ${owner}'s environment is invalid: ${problems.join("; ")}`);
}

/**
 * Cross-variable rules are sentences about a variable ("DB_PASSWORD is required when …"), and a list item is named
 * by its position (UPLOAD_CONTENT_TYPES.1). The API's, migrate's and the dev server's reading.
 */
export function readEnv<S extends z.ZodMiniType>(owner: string, schema: S, env: Env): z.output<S> {
  return parseEnv(owner, schema, env, (issue, isSet) => {
    const name = issue.path.join(".");
    if (issue.code === "custom") return `${name} ${issue.message}`;
    return isSet(name) ? `${name}: ${issue.message}` : `${name} is not set`;
  });
}

/**
 * Every message is about the value ("THUMBNAIL_WIDTHS: must not repeat a width"), named by the variable alone (a
 * list item is not a name anyone set). The event handlers' reading.
 */
export function readEventEnv<S extends z.ZodMiniType>(owner: string, schema: S, env: Env): z.output<S> {
  return parseEnv(owner, schema, env, (issue, isSet) => {
    const name = String(issue.path[0] ?? "");
    return isSet(name) ? `${name}: ${issue.message}` : `${name} is not set`;
  });
}

/** One whole-number variable with a default (a benchmark's run count), read the same way. */
export function readWholeNumberVar(owner: string, name: string, fallback: number, env: Env, min = 1): number {
  const schema = z.object({ [name]: z._default(wholeNumber(min), fallback) });
  return readEnv(owner, schema, env)[name] as number;
}
