/**
 * The whole application on one machine (`npm run dev`): starts the services, the functions, the event flows and
 * the site, in that order, and routes HTTP to them; one cleanup stack stops everything.
 *
 * Only AWS itself is emulated here; every piece of the application is the real code.
 */
import { randomBytes } from "crypto";
import type { SentEmail } from "../local/aws-local";
import { connectEventFlows, type DeadLetter } from "./event-flows";
import { startFunctions } from "./functions";
import { childPidsOf, CleanupStack } from "./lifecycle";
import { apiRoutes } from "./routes/api";
import { LocalIdentityPool } from "./identity-pool";
import { dispatch } from "./routes/dispatch";
import { identityPoolRoutes, localFoldersConfig } from "./routes/identity-pool";
import { mediaRoutes } from "./routes/media";
import { localAuthConfig, localIdentityProvider, signInRoutes } from "./routes/sign-in";
import { withErrorPages } from "./edge-function";
import { siteRoutes, startSite } from "./routes/site";
import { startSamples } from "./sample-content";
import { listen, LOCAL_NAMES, LOCAL_REGION, startAwsServices, startCache, startDatabase } from "./services";

export { DevEnvironmentError } from "./lifecycle";

export interface DevEnvironmentOptions {
  /**
   * Port of the site and API; 0 picks a free one.
   * @default 3000
   */
  readonly port?: number;
  /**
   * Interface to listen on. Local only by default: the sign-in here needs no password.
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * Use Redis: `"auto"` starts it when `redis-server` is installed and turns the cache off otherwise.
   * @default "auto"
   */
  readonly redis?: "auto" | boolean;
  /**
   * Log level of the functions (their structured logs are printed with a `[name]` prefix).
   * @default "WARN"
   */
  readonly logLevel?: string;
  /** Where messages go. @default console.log */
  readonly log?: (line: string) => void;
  /** @default true: rebuild the site when `web/src` changes */
  readonly watch?: boolean;
  /**
   * Publish a few sample posts with photos (through the real upload → thumbnail flow) once ready.
   * @default true
   */
  readonly samples?: boolean;
}

export interface DevEnvironment {
  readonly siteUrl: string;
  readonly apiUrl: string;
  readonly sesInboxUrl: string;
  /** The local DynamoDB (dynalite): the tables are `LOCAL_NAMES`' (e.g. the per-author upload statistics). */
  readonly dynamodbUrl: string;
  /** False when Redis is not installed (the API then runs without its cache). */
  readonly cacheEnabled: boolean;
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  /** Milliseconds from the call to the end of each startup phase. */
  readonly timings: Readonly<Record<string, number>>;
  /** E-mails the local SES accepted. */
  sentEmails(): Promise<SentEmail[]>;
  /** Events and records that exhausted their retries (what would sit in the DLQ / on-failure destination). */
  readonly deadLetters: readonly DeadLetter[];
  /** Slugs of the sample posts once they are published (empty without samples or when publishing failed). */
  readonly samples: Promise<string[]>;
  /** Ids of every process this environment started (PostgreSQL, Redis, function workers). */
  childPids(): number[];
  stop(): Promise<void>;
}

export async function startDevEnvironment(options: DevEnvironmentOptions = {}): Promise<DevEnvironment> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const cleanup = new CleanupStack(log);
  const timings: Record<string, number> = {};
  const mark = (phase: string) => (timings[phase] = Date.now() - started);

  try {
    const listener = await listen(cleanup, options.port ?? 3000, options.host ?? "127.0.0.1");
    mark("listening");
    const identity = localIdentityProvider(listener);
    const identityPool = new LocalIdentityPool(identity, LOCAL_REGION);
    const aws = await startAwsServices(cleanup, listener.allowedOrigins, identityPool);
    mark("aws-local");

    // Generated per start and never written down, as the stacks' value is per stack.
    const originVerifyValue = randomBytes(32).toString("base64url");
    const functions = startFunctions(cleanup, {
      originVerifyValue,
      origin: listener.origin,
      uploadsEndpoint: aws.uploadsEndpoint,
      awsEnv: aws.local.env,
      logLevel: options.logLevel ?? "WARN",
      log,
    });
    const cacheReady = startCache(cleanup, options.redis ?? "auto", log);
    const pg = await startDatabase(cleanup, log).catch((error: unknown) => {
      functions.servicesFailed(error);
      throw error;
    });
    mark("postgres");
    const redis = await cacheReady();
    await aws.resources;
    functions.servicesUp({ pg, redis });
    await functions.ready(() => mark("migrate-cold-start"));
    mark("functions");

    const deadLetters: DeadLetter[] = [];
    const { thumbnail, "welcome-email": welcome, "upload-stats": uploadStats, api } = functions.lambdas;
    await connectEventFlows(cleanup, {
      aws: aws.local,
      dynamo: aws.dynamo,
      thumbnail,
      uploadStats,
      welcome,
      log,
      deadLetters,
    });

    const site = startSite(cleanup, {
      uploadsEndpoint: aws.uploadsEndpoint,
      watch: options.watch ?? true,
      log,
    });
    mark("site");
    const folders = localFoldersConfig(identityPool, {
      bucket: LOCAL_NAMES.uploadsBucket,
      s3Endpoint: aws.uploadsEndpoint,
    });
    listener.serve(
      dispatch(
        listener.origin,
        [
          apiRoutes({ identity, api, originVerifyValue, log }),
          mediaRoutes(aws.s3),
          signInRoutes(identity, site),
          identityPoolRoutes(identityPool),
          siteRoutes(site, { auth: localAuthConfig(identity), folders }),
        ],
        log,
        (response) => withErrorPages(response, (page) => site.files.file(page)),
      ),
    );

    const samples =
      (options.samples ?? true) && api
        ? startSamples({ origin: listener.origin, identity, log })
        : Promise.resolve([]);
    const lambdas = Object.values(functions.lambdas);
    return {
      siteUrl: `${listener.origin}/`,
      apiUrl: `${listener.origin}/api/`,
      sesInboxUrl: aws.local.sesInboxUrl,
      dynamodbUrl: aws.local.dynamodbEndpoint,
      cacheEnabled: redis !== undefined,
      startupMs: Date.now() - started,
      timings,
      sentEmails: () => aws.local.sentEmails(),
      deadLetters,
      samples,
      childPids: () =>
        [...lambdas.flatMap((l) => l.pids), ...childPidsOf(process.pid)].filter(
          (v, i, a) => a.indexOf(v) === i,
        ),
      stop: () => {
        // Requests from now on get 503 "stopping", not a function that is going away.
        listener.drain();
        return cleanup.stopAll();
      },
    };
  } catch (error) {
    await cleanup.stopAll();
    throw error;
  }
}
