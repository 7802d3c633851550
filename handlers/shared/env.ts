/**
 * The variables every function (or every database client) reads, and the value forms of more than one function's
 * environment. The reading itself is the one environment reader's (`shared/env-reader.ts`).
 */
import * as z from "zod/mini";
import { wholeNumber } from "../../shared/whole-number";

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
  DB_PORT: z._default(wholeNumber(1, 65535), 5432),
  DB_NAME: z.string(),
  /** `require` in AWS (TLS, certificate verified), `disable` locally. */
  DB_SSL: z._default(z.enum(["require", "disable"]), "require"),
  /** Read by Node itself, not the handler: extra CA certificates (Lambda's bundle holds the RDS roots). */
  NODE_EXTRA_CA_CERTS: z.optional(z.string()),
};
