/**
 * Fail-fast environment reading for the event handlers (welcome-email, thumbnail), built on `zod/mini`.
 *
 * Why not `./env.ts`: classic `zod` cannot be tree-shaken (every schema carries every method), and it adds
 * ~445 KB of minified code to a bundle, more than the welcome-email zip budget allows. `zod/mini` costs ~20 KB.
 * The messages follow the same shape as `readEnv`: one line naming every problem, values never echoed.
 */
import * as z from "zod/mini";
import { ConfigError } from "./errors";

export type Env = Readonly<Record<string, string | undefined>>;

export function readEventEnv<S extends z.ZodMiniType>(
  functionName: string,
  schema: S,
  env: Env,
): z.output<S> {
  // Empty strings count as unset: Terraform and shells often produce them for "no value".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    // The first path segment is the variable; deeper segments (a list item) are not names anyone set.
    const name = String(issue.path[0] ?? "");
    return cleaned[name] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(`The ${functionName} function's environment is invalid: ${problems.join("; ")}`);
}

/** A whole number within bounds, from its decimal text. */
export const envInteger = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, "must be a whole number")),
    z.pipe(
      z.transform((value: string) => Number(value)),
      z.number().check(z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`)),
    ),
  );

/** Variables every function gets from the stacks. */
export const eventCommonEnv = {
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
