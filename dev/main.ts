/**
 * The dev server process (started by ./server.mjs, `npm run dev`): starts the whole application locally (see
 * ./environment.ts), prints its URLs, and stops everything on Ctrl-C (SIGINT), SIGTERM or when its launcher
 * goes away, leaving no process behind.
 */
import * as z from "zod/mini";
import { readEnv } from "../shared/env-reader";
import { wholeNumber } from "../shared/whole-number";
import { bundleAvailableHandlers } from "./bundle-handlers";
import type { DevEnvironment } from "./environment";

// First of all, so that bundling (child processes) overlaps with loading the local services' modules below.
bundleAvailableHandlers();

// The AWS SDK warns that it will drop Node 20 (this host); the functions run on Node 22 in AWS.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** The dev server's variables (docs/local-development.md), read by the one environment reader. */
const devEnvSchema = z.object({
  PORT: z._default(wholeNumber(0, 65535), 3000),
  /** When `npm run dev` started this (./server.mjs passes its start time, ms since the epoch). */
  DEV_LAUNCHED_AT: z.optional(wholeNumber(0)),
  LOG_LEVEL: z.optional(z.string()),
  DEV_REDIS: z.optional(z.string()),
  DEV_SAMPLES: z.optional(z.string()),
  DEV_TIMINGS: z.optional(z.string()),
});

async function main(): Promise<void> {
  const vars = readEnv("dev server", devEnvSchema, process.env);
  // Started without ./server.mjs: this process's start.
  const launchedAt = vars.DEV_LAUNCHED_AT ?? Date.now() - process.uptime() * 1000;
  const { startDevEnvironment } = await import("./environment");
  const starting = startDevEnvironment({
    port: vars.PORT,
    logLevel: vars.LOG_LEVEL,
    redis: vars.DEV_REDIS === "off" ? false : "auto",
    samples: !["off", "0", "false"].includes(vars.DEV_SAMPLES ?? ""),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    // A signal during startup waits for it to finish (or fail, which cleans up by itself), then stops.
    starting
      .then(
        (env: DevEnvironment) => env.stop(),
        () => undefined,
      )
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("disconnect", () => shutdown("launcher exited"));

  const env = await starting;
  if (stopping) return;
  console.log(
    [
      "",
      `Photo blog running locally (ready in ${((Date.now() - launchedAt) / 1000).toFixed(1)} s; services and functions ${(env.startupMs / 1000).toFixed(1)} s)`,
      `  Site:       ${env.siteUrl}`,
      `  API:        ${env.apiUrl}`,
      `  SES inbox:  ${env.sesInboxUrl}`,
      `  DynamoDB:   ${env.dynamodbUrl}`,
      `  Cache:      ${env.cacheEnabled ? "Redis" : "off"}`,
      "Press Ctrl-C to stop.",
      ...(vars.DEV_TIMINGS ? [`Startup phases (ms): ${JSON.stringify(env.timings)}`] : []),
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
