/**
 * The application's functions as local Lambdas: each one's environment (typed by its handler's schema, as the
 * stacks' are: lib/function-environment.ts), its worker settings, the cold starts, and the schema migration at start.
 */
import { randomBytes } from "crypto";
import { FUNCTIONS, tableVariables } from "../shared/contracts/functions";
import { API_DB_USER } from "../lib/database-users";
import type { FunctionEnvironment } from "../lib/function-environment";
import type { LocalPostgres } from "../local/postgres";
import type { LocalRedis } from "../local/redis";
import { bundleAvailableHandlers, DEV_HANDLERS, type DevHandler } from "./bundle-handlers";
import { DevEnvironmentError, prefixed, type CleanupStack, type Log } from "./lifecycle";
import { LocalLambda, type LocalLambdaOptions } from "./local-lambda";
import { LOCAL_NAMES, LOCAL_TABLES } from "./services";

/** What the functions' variables name that is known only once the services are up. */
export interface RunningServices {
  readonly pg: LocalPostgres;
  readonly redis?: LocalRedis;
}

export interface FunctionsOptions {
  /** The site's origin (the welcome e-mail links to it). */
  readonly origin: string;
  readonly uploadsEndpoint: string;
  /** Endpoints and credentials of the AWS stand-ins. */
  readonly awsEnv: Readonly<Record<string, string>>;
  readonly logLevel: string;
  readonly log: Log;
  /** What the local edge sends the API (dev/routes/api.ts): generated per start, like CloudFront's per stack. */
  readonly originVerifyValue: string;
}

const HANDLER_ROLES: Record<DevHandler, string> = {
  migrate: "the database schema",
  api: "the API (/api/* answers 503)",
  "welcome-email": "the welcome e-mail flow",
  thumbnail: "the thumbnail flow",
  "upload-stats": "the upload statistics",
  "mail-feedback": "bounce and complaint marks (the local SES simulates no bounces: not wired to an event)",
};

/** A function's table variables (shared/contracts/functions.ts), each naming its local table. */
const localTables = <H extends DevHandler>(name: H) =>
  tableVariables(name, ({ table }) => LOCAL_TABLES[table]);

type Environments = { readonly [H in DevHandler]: (s: RunningServices) => FunctionEnvironment<H> };
type WorkerSettings = Pick<LocalLambdaOptions, "timeoutMs" | "concurrency" | "memoryMb">;

/**
 * Each function's variables, the local counterpart of what the stacks set. The return types are spelled out so
 * that a variable the handler does not read is a compile error too (a returned literal is not checked otherwise).
 */
function environments(options: FunctionsOptions, apiPassword: string): Environments {
  return {
    migrate: ({ pg }): FunctionEnvironment<"migrate"> => ({
      ...pg.env,
      DB_API_USER: API_DB_USER,
      DB_API_PASSWORD: apiPassword,
    }),
    api: ({ pg, redis }): FunctionEnvironment<"api"> => ({
      DB_HOST: pg.host,
      DB_PORT: String(pg.port),
      DB_NAME: pg.database,
      DB_USER: API_DB_USER,
      DB_AUTH: "password",
      DB_PASSWORD: apiPassword,
      DB_SSL: "disable",
      ...(redis ? { ...redis.env, CACHE_REPLICATION_GROUP_ID: "local" } : {}),
      ...localTables("api"),
      UPLOADS_BUCKET: LOCAL_NAMES.uploadsBucket,
      ...FUNCTIONS.api.environment,
      // The presigned POST URLs it hands out then point at the policy-enforcing proxy.
      AWS_ENDPOINT_URL_S3: options.uploadsEndpoint,
      ORIGIN_VERIFY_SECRETS: options.originVerifyValue,
    }),
    "welcome-email": (): FunctionEnvironment<"welcome-email"> => ({
      SES_SENDER: "Photo blog <blog@example.com>",
      ...localTables("welcome-email"),
      SITE_URL: options.origin,
    }),
    thumbnail: (): FunctionEnvironment<"thumbnail"> => ({
      UPLOADS_BUCKET: LOCAL_NAMES.uploadsBucket,
      MEDIA_BUCKET: LOCAL_NAMES.mediaBucket,
      ...localTables("thumbnail"),
      ...FUNCTIONS.thumbnail.environment,
    }),
    "upload-stats": (): FunctionEnvironment<"upload-stats"> => localTables("upload-stats"),
    "mail-feedback": (): FunctionEnvironment<"mail-feedback"> => localTables("mail-feedback"),
  };
}

/** Timeout and memory of the contract (shared/contracts/functions.ts), and how many environments run side by side. */
const workerSettings = (name: DevHandler): WorkerSettings => ({
  timeoutMs: FUNCTIONS[name].timeout * 1000,
  memoryMb: FUNCTIONS[name].memorySize,
  // The API serves the site's parallel requests; SNS invokes the thumbnail function asynchronously, so uploads in
  // quick succession are processed side by side.
  concurrency: name === "api" || name === "thumbnail" ? 2 : 1,
});

export interface LocalFunctions {
  /** Each function whose handler exists (a missing one was announced with what it leaves unavailable). */
  readonly lambdas: Partial<Record<DevHandler, LocalLambda>>;
  /** Hands the functions their variables once the services are up. */
  servicesUp(services: RunningServices): void;
  /** The services will not come up: the waiting environments fail instead of waiting forever. */
  servicesFailed(error: unknown): void;
  /** Runs the migrate function once (as Terraform does on deploy), then waits for the other cold starts. */
  ready(onMigrateColdStart: () => void): Promise<void>;
}

/**
 * Starts every function's execution environment now, so the node processes boot while PostgreSQL initialises;
 * they receive their variables, which name the services, once those are up.
 */
export function startFunctions(cleanup: CleanupStack, options: FunctionsOptions): LocalFunctions {
  // Bundling runs in child processes while the services start.
  const { available, bundles } = bundleAvailableHandlers();
  for (const name of DEV_HANDLERS.filter((n) => !available.includes(n))) {
    options.log(
      `Notice: handlers/${name}/index.ts does not exist yet: ${HANDLER_ROLES[name]} is unavailable.`,
    );
  }
  let servicesUp!: (services: RunningServices) => void;
  let servicesFailed!: (error: unknown) => void;
  const services = new Promise<RunningServices>((resolve, reject) => {
    servicesUp = resolve;
    servicesFailed = reject;
  });
  services.catch(() => undefined);
  const variables = environments(options, randomBytes(18).toString("base64url"));
  const common = { LOG_LEVEL: options.logLevel, APP_VERSION: "local", ...options.awsEnv };

  const create = <H extends DevHandler>(
    name: H,
    environment: (s: RunningServices) => FunctionEnvironment<H>,
  ) =>
    cleanup.adopt(
      new LocalLambda({
        name,
        bundleDir: bundles.then((dirs) => dirs[name]),
        environment: services.then((s) => ({ POWERTOOLS_SERVICE_NAME: name, ...common, ...environment(s) })),
        onLog: prefixed(name, options.log),
        ...workerSettings(name),
      }),
    );
  const lambdas: Partial<Record<DevHandler, LocalLambda>> = {};
  for (const name of available) lambdas[name] = create(name, variables[name]);

  // Every environment cold-starts as soon as its bundle and variables are there.
  const { migrate, api, "welcome-email": welcome, thumbnail, "upload-stats": uploadStats } = lambdas;
  const coldStarts = Promise.all([api?.start(), welcome?.start(), thumbnail?.start(), uploadStats?.start()]);
  coldStarts.catch(() => undefined);
  const migrateStarted = migrate?.start();
  migrateStarted?.catch(() => undefined);

  return {
    lambdas,
    servicesUp,
    servicesFailed,
    async ready(onMigrateColdStart) {
      // The schema goes first, as Terraform invokes the migrate function on deploy.
      if (migrate) {
        await migrateStarted;
        onMigrateColdStart();
        const migrated = await migrate.invoke({});
        if (!migrated.ok)
          throw new DevEnvironmentError(
            `The migrate function failed: ${migrated.error.errorType}: ${migrated.error.errorMessage}`,
          );
        await migrate.stop(); // run once per deploy, not kept warm
      }
      await coldStarts;
    },
  };
}
