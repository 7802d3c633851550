/** Structured JSON logs through Powertools, configured from the common environment variables. */
import { Logger } from "@aws-lambda-powertools/logger";

export type { Logger };

export function createLogger(options: { serviceName: string; logLevel: string; version: string }): Logger {
  return new Logger({
    serviceName: options.serviceName,
    logLevel: options.logLevel as "INFO",
    persistentKeys: { version: options.version },
  });
}
