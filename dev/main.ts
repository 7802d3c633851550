/**
 * The dev server process (started by ./server.mjs, `npm run dev`): starts the whole application locally (see
 * ./environment.ts), prints its URLs, and stops everything on Ctrl-C (SIGINT), SIGTERM or when its launcher
 * goes away, leaving no process behind.
 */
import { bundleAvailableHandlers } from "./bundle-handlers";
import type { DevEnvironment } from "./environment";

// First of all, so that bundling (child processes) overlaps with loading the local services' modules below.
bundleAvailableHandlers();

// The AWS SDK warns that it will drop Node 20 (this host); the functions run on Node 22 in AWS.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer from 0 to 65535 (0 picks a free port); got "${value}"`);
  }
  return port;
}

/** When `npm run dev` started this (the launcher passes its start time), else this process's start. */
const launchedAt = Number(process.env.DEV_LAUNCHED_AT) || Date.now() - process.uptime() * 1000;

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT);
  const { startDevEnvironment } = await import("./environment");
  const starting = startDevEnvironment({
    port,
    logLevel: process.env.LOG_LEVEL,
    redis: process.env.DEV_REDIS === "off" ? false : "auto",
    samples: !["off", "0", "false"].includes(process.env.DEV_SAMPLES ?? ""),
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
      ...(process.env.DEV_TIMINGS ? [`Startup phases (ms): ${JSON.stringify(env.timings)}`] : []),
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
