/**
 * The whole application on one machine (`npm run dev`): the built site and the API served from the real handler
 * bundles behind a local API Gateway, PostgreSQL, Redis when installed, dynalite, s3rver and aws-ses-v2-local,
 * the S3 → SNS → thumbnail and DynamoDB stream → welcome-email flows, and a local author sign-in.
 *
 * Only AWS itself is emulated here; every piece of the application is the real code.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "crypto";
import * as fs from "fs";
import { createServer, type IncomingMessage, type ServerResponse } from "http";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { Readable } from "stream";
import { MAX_UPLOAD_BYTES } from "../handlers/shared/limits";
import { contentSecurityPolicy } from "../lib/content-security-policy";
import { API_DB_USER } from "../lib/database-users";
import type { FunctionEnvironment } from "../lib/function-environment";
import { startAwsLocal, type AwsLocal, type SentEmail } from "../local/aws-local";
import { startPostgres, type LocalPostgres } from "../local/postgres";
import { startRedis, type LocalRedis } from "../local/redis";
import { bundleAvailableHandlers, DEV_HANDLERS, type DevHandler } from "./bundle-handlers";
import { forwardUploads, StreamPoller, type StreamRecord } from "./event-sources";
import {
  buildHttpApiEvent,
  gatewayResponses,
  matchRoute,
  toHttpResponse,
  type HttpResponse,
} from "./http-api";
import { LocalIdentityProvider, OAuthError, signInPage } from "./local-auth";
import { LocalLambda } from "./local-lambda";
import { StaticSite } from "./static-site";
import { startUploadPolicyProxy } from "./upload-policy-proxy";

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
}

export interface DevEnvironment {
  readonly siteUrl: string;
  readonly apiUrl: string;
  readonly sesInboxUrl: string;
  /** False when Redis is not installed (the API then runs without its cache). */
  readonly cacheEnabled: boolean;
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  /** Milliseconds from the call to the end of each startup phase. */
  readonly timings: Readonly<Record<string, number>>;
  /** E-mails the local SES accepted. */
  sentEmails(): Promise<SentEmail[]>;
  /** Events and records that exhausted their retries (what would sit in the DLQ / on-failure destination). */
  readonly deadLetters: ReadonlyArray<{
    readonly source: string;
    readonly error: string;
    readonly payload: unknown;
  }>;
  /** Ids of every process this environment started (PostgreSQL, Redis, function workers). */
  childPids(): number[];
  stop(): Promise<void>;
}

export const LOCAL_NAMES = {
  subscribersTable: "myblog-local-subscribers",
  countersTable: "myblog-local-counters",
  idempotencyTable: "myblog-local-idempotency",
  photosTable: "myblog-local-photos",
  uploadsBucket: "myblog-local-uploads",
  mediaBucket: "myblog-local-media",
  uploadsTopicArn: "arn:aws:sns:us-east-1:000000000000:myblog-local-uploads",
} as const;

const HANDLER_ROLES: Record<DevHandler, string> = {
  migrate: "the database schema",
  api: "the API (/api/* answers 503)",
  "welcome-email": "the welcome e-mail flow",
  thumbnail: "the thumbnail flow",
};
const MAX_API_BODY = 10 * 1024 * 1024;

export class DevEnvironmentError extends Error {
  override readonly name = "DevEnvironmentError";
}

function redisInstalled(): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, "redis-server")));
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(
  response: ServerResponse,
  result: HttpResponse,
  extraHeaders: Record<string, string> = {},
): void {
  response.writeHead(result.statusCode, {
    ...extraHeaders,
    ...result.headers,
    "content-length": String(result.body.length),
  });
  response.end(result.body);
}

function prefixed(name: string, log: (line: string) => void): (line: string) => void {
  return (line) => log(`[${name}] ${line}`);
}

export async function startDevEnvironment(options: DevEnvironmentOptions = {}): Promise<DevEnvironment> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  const region = "us-east-1";
  const cleanups: Array<() => Promise<void> | void> = [];
  const deadLetters: Array<{ source: string; error: string; payload: unknown }> = [];
  const lambdas: LocalLambda[] = [];
  let postgres: LocalPostgres | undefined;
  let redis: LocalRedis | undefined;

  const timings: Record<string, number> = {};
  const mark = (phase: string) => (timings[phase] = Date.now() - started);
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  try {
    // Bundling runs in child processes while the services start here.
    const { available, bundles: bundling } = bundleAvailableHandlers();
    for (const name of DEV_HANDLERS.filter((n) => !available.includes(n))) {
      log(`Notice: handlers/${name}/index.ts does not exist yet: ${HANDLER_ROLES[name]} is unavailable.`);
    }

    const server = createServer();
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new DevEnvironmentError(
            error.code === "EADDRINUSE"
              ? `Port ${options.port ?? 3000} is in use: set PORT to another port`
              : error.message,
          ),
        ),
      );
      server.listen(options.port ?? 3000, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    mark("listening");
    const origin = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    const allowedOrigins = () => [origin, `http://localhost:${port}`];

    const aws: AwsLocal = await startAwsLocal({ host: "127.0.0.1", region });
    cleanups.push(() => aws.stop());
    // Browsers upload through this: it enforces the presigned POST policy as S3 does (s3rver does not).
    const uploadsEndpoint = await startUploadPolicyProxy({
      target: aws.s3Endpoint,
      secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY,
    });
    cleanups.push(() => uploadsEndpoint.stop());
    mark("aws-local");
    const tablesReady = aws.createTables({
      subscribers: LOCAL_NAMES.subscribersTable,
      counters: LOCAL_NAMES.countersTable,
      idempotency: LOCAL_NAMES.idempotencyTable,
      photos: LOCAL_NAMES.photosTable,
    });
    const s3 = new S3Client({
      region,
      endpoint: aws.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: aws.env.AWS_ACCESS_KEY_ID, secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY },
    });
    const dynamo = new DynamoDBClient({
      region,
      endpoint: aws.dynamodbEndpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    cleanups.push(() => {
      s3.destroy();
      dynamo.destroy();
    });
    const bucketsReady = aws.createBuckets(LOCAL_NAMES.uploadsBucket, LOCAL_NAMES.mediaBucket).then(() =>
      // What the data stack puts on the uploads bucket: browsers of the site may POST (presigned) uploads.
      s3.send(
        new PutBucketCorsCommand({
          Bucket: LOCAL_NAMES.uploadsBucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: allowedOrigins(),
                AllowedMethods: ["POST"],
                AllowedHeaders: ["*"],
                MaxAgeSeconds: 3000,
              },
            ],
          },
        }),
      ),
    );

    // The functions' environments start now (so the node processes boot while PostgreSQL initialises);
    // they receive their variables, which name the services, once those are up.
    let servicesUp!: (value: { pg: LocalPostgres; redis?: LocalRedis }) => void;
    let servicesFailed!: (error: unknown) => void;
    const services = new Promise<{ pg: LocalPostgres; redis?: LocalRedis }>((resolve, reject) => {
      servicesUp = resolve;
      servicesFailed = reject;
    });
    services.catch(() => undefined);
    const apiPassword = randomBytes(18).toString("base64url");
    const common = { LOG_LEVEL: options.logLevel ?? "WARN", APP_VERSION: "local", ...aws.env };
    const functionLog = (name: string) => prefixed(name, log);
    type Services = { pg: LocalPostgres; redis?: LocalRedis };
    // Each environment is typed by its handler's schema, as the stacks' are.
    const makeLambda = <H extends DevHandler>(
      name: H,
      environment: (s: Services) => FunctionEnvironment<H>,
      extra: { timeoutMs?: number; concurrency?: number; memoryMb?: number } = {},
    ) => {
      if (!available.includes(name)) return undefined;
      const bundleDir = bundling.then((dirs) => dirs[name]);
      const env = services.then((s) => ({ POWERTOOLS_SERVICE_NAME: name, ...common, ...environment(s) }));
      const lambda = new LocalLambda({
        name,
        bundleDir,
        environment: env,
        onLog: functionLog(name),
        ...extra,
      });
      lambdas.push(lambda);
      cleanups.push(() => lambda.stop());
      return lambda;
    };

    const migrate = makeLambda(
      "migrate",
      ({ pg }) => ({ ...pg.env, DB_API_USER: API_DB_USER, DB_API_PASSWORD: apiPassword }),
      { timeoutMs: 60_000 },
    );
    const api = makeLambda(
      "api",
      ({ pg, redis }) => ({
        DB_HOST: pg.host,
        DB_PORT: String(pg.port),
        DB_NAME: pg.database,
        DB_USER: API_DB_USER,
        DB_AUTH: "password",
        DB_PASSWORD: apiPassword,
        DB_SSL: "disable",
        ...(redis ? { ...redis.env, CACHE_REPLICATION_GROUP_ID: "local" } : {}),
        SUBSCRIBERS_TABLE: LOCAL_NAMES.subscribersTable,
        COUNTERS_TABLE: LOCAL_NAMES.countersTable,
        PHOTOS_TABLE: LOCAL_NAMES.photosTable,
        UPLOADS_BUCKET: LOCAL_NAMES.uploadsBucket,
        MEDIA_BASE_URL: "/media",
        UPLOAD_MAX_BYTES: String(MAX_UPLOAD_BYTES),
        UPLOAD_CONTENT_TYPES: "image/jpeg,image/png",
        // The presigned POST URLs it hands out then point at the policy-enforcing proxy.
        AWS_ENDPOINT_URL_S3: uploadsEndpoint.endpoint,
      }),
      { timeoutMs: 10_000, concurrency: 2 },
    );
    const welcome = makeLambda("welcome-email", () => ({
      SES_SENDER: "Photo blog <blog@example.com>",
      SUBSCRIBERS_TABLE: LOCAL_NAMES.subscribersTable,
      IDEMPOTENCY_TABLE: LOCAL_NAMES.idempotencyTable,
      SITE_URL: origin,
    }));
    const thumbnail = makeLambda(
      "thumbnail",
      () => ({
        UPLOADS_BUCKET: LOCAL_NAMES.uploadsBucket,
        MEDIA_BUCKET: LOCAL_NAMES.mediaBucket,
        PHOTOS_TABLE: LOCAL_NAMES.photosTable,
        MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
        MAX_MEGAPIXELS: "40",
        THUMBNAIL_WIDTHS: "400,1200",
      }),
      // SNS invokes asynchronously: uploads in quick succession are processed side by side.
      { timeoutMs: 60_000, memoryMb: 1769, concurrency: 2 },
    );

    // Every environment cold-starts as soon as its bundle and variables are there.
    const coldStarts = Promise.all([api?.start(), welcome?.start(), thumbnail?.start()]);
    coldStarts.catch(() => undefined);
    const migrateStarted = migrate?.start();
    migrateStarted?.catch(() => undefined);

    const useRedis = options.redis ?? "auto";
    const redisStarting =
      useRedis === false || (useRedis === "auto" && !redisInstalled()) ? undefined : startRedis();
    redisStarting?.catch(() => undefined);

    postgres = await startPostgres({ database: "blog" }).catch((error: unknown) => {
      servicesFailed(error);
      throw error;
    });
    const pg = postgres;
    cleanups.push(() => pg.stop());
    mark("postgres");
    if (pg.binaries.source === "embedded") {
      log(
        "Notice: no PostgreSQL is installed, so the embedded PostgreSQL 15 from npm runs (apt-get install -y postgresql to use yours).",
      );
    }

    if (redisStarting) {
      try {
        redis = await redisStarting;
        const r = redis;
        cleanups.push(() => r.stop());
      } catch (error) {
        if (useRedis === true) throw error;
        log(
          `Redis could not start (${error instanceof Error ? error.message : String(error)}): the API cache is off.`,
        );
      }
    }
    if (!redis && useRedis === "auto" && !redisInstalled()) {
      log(
        "Notice: redis-server is not installed, so the API runs without its cache (apt-get install -y redis-server to enable it).",
      );
    } else if (!redis) {
      log("Notice: the API runs without its cache (DEV_REDIS=off).");
    }

    await Promise.all([tablesReady, bucketsReady]);
    servicesUp({ pg, redis });

    // The schema goes first, as Terraform invokes the migrate function on deploy.
    if (migrate) {
      await migrateStarted;
      mark("migrate-cold-start");
      const migrated = await migrate.invoke({});
      if (!migrated.ok)
        throw new DevEnvironmentError(
          `The migrate function failed: ${migrated.error.errorType}: ${migrated.error.errorMessage}`,
        );
      await migrate.stop(); // run once per deploy, not kept warm
    }
    await coldStarts;
    mark("functions");

    const uploads =
      thumbnail &&
      forwardUploads((listener) => aws.onS3Event(listener), {
        uploadsBucket: LOCAL_NAMES.uploadsBucket,
        prefix: "uploads/",
        topicArn: LOCAL_NAMES.uploadsTopicArn,
        region,
        invoke: (event) => thumbnail.invoke(event),
        log: prefixed("uploads → thumbnail", log),
        onFailure: (payload, error) => deadLetters.push({ source: "thumbnail", error, payload }),
      });
    if (uploads) cleanups.push(() => uploads.stop());
    const stream =
      welcome &&
      new StreamPoller({
        client: dynamo,
        tableName: LOCAL_NAMES.subscribersTable,
        keyAttributes: ["email"],
        region,
        invoke: (event) => welcome.invoke(event),
        log: prefixed("subscribers stream → welcome-email", log),
        onFailure: (records: readonly StreamRecord[], error) =>
          deadLetters.push({ source: "welcome-email", error, payload: records }),
      });
    if (stream) {
      await stream.start();
      cleanups.push(() => stream.stop());
    }

    const outDir = fs.mkdtempSync(path.join(tmpdir(), "myblog-dev-site-"));
    cleanups.push(() => fs.rmSync(outDir, { recursive: true, force: true }));
    const securityHeaders = {
      "x-content-type-options": "nosniff",
      "referrer-policy": "strict-origin-when-cross-origin",
      "x-frame-options": "DENY",
      "content-security-policy": contentSecurityPolicy({ connect: [uploadsEndpoint.endpoint] }),
    };
    const site = new StaticSite({ outDir, headers: securityHeaders, watch: options.watch ?? true, log });
    cleanups.push(() => site.close());
    mark("site");

    const identity = new LocalIdentityProvider(`${origin}/dev`, allowedOrigins);
    const config = JSON.stringify({
      auth: {
        authorizeUrl: "/dev/oauth2/authorize",
        tokenUrl: "/dev/oauth2/token",
        clientId: identity.clientId,
        scope: "openid email profile",
      },
    });

    const handleApi = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
      const body = await readBody(request, MAX_API_BODY);
      if (body === null) return send(response, gatewayResponses.tooLarge());
      const route = matchRoute(request.method ?? "GET", url.pathname);
      let claims;
      if (route.auth === "jwt") {
        claims = identity.verifyAuthorization(request.headers.authorization);
        if (!claims) return send(response, gatewayResponses.unauthorized());
      }
      const event = buildHttpApiEvent(
        {
          method: request.method ?? "GET",
          url: request.url ?? "/",
          headers: request.headers,
          body,
          sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
        },
        route,
        claims ?? undefined,
      );
      if (!api)
        return send(response, {
          statusCode: 503,
          headers: { "content-type": "application/json" },
          body: Buffer.from(
            JSON.stringify({ message: "The api function does not exist yet (handlers/api/index.ts)" }),
          ),
        });
      const result = await api.invoke(event);
      if (!result.ok) {
        log(`[api] invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`);
        return send(
          response,
          result.error.errorType === "Sandbox.Timedout"
            ? gatewayResponses.serviceUnavailable()
            : gatewayResponses.internalError(),
        );
      }
      send(response, toHttpResponse(result.result));
    };

    const handleMedia = async (response: ServerResponse, url: URL): Promise<void> => {
      // CloudFront forwards `/media/*` to the media bucket with the path as the key.
      const key = decodeURIComponent(url.pathname.slice(1));
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: LOCAL_NAMES.mediaBucket, Key: key }));
        response.writeHead(200, {
          "content-type": object.ContentType ?? "application/octet-stream",
          "cache-control": object.CacheControl ?? "public, max-age=86400",
          ...(object.ContentLength !== undefined ? { "content-length": String(object.ContentLength) } : {}),
          ...(object.ETag ? { etag: object.ETag } : {}),
          "x-content-type-options": "nosniff",
        });
        (object.Body as Readable).pipe(response);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        send(response, {
          statusCode: status === 404 ? 404 : 502,
          headers: { "content-type": "text/plain" },
          body: Buffer.from(status === 404 ? "Not found" : "Media storage error"),
        });
      }
    };

    const handleSignIn = async (
      request: IncomingMessage,
      response: ServerResponse,
      url: URL,
    ): Promise<void> => {
      const html = (status: number, page: string) =>
        send(
          response,
          {
            statusCode: status,
            headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
            body: Buffer.from(page),
          },
          securityHeaders,
        );
      const oauthError = (error: unknown) => {
        const e = error instanceof OAuthError ? error : new OAuthError("server_error", String(error));
        send(response, {
          statusCode: e.code === "invalid_client" ? 401 : 400,
          headers: { "content-type": "application/json", "cache-control": "no-store" },
          body: Buffer.from(JSON.stringify({ error: e.code, error_description: e.message })),
        });
      };
      if (url.pathname === "/dev/oauth2/authorize" && request.method === "GET") {
        try {
          return html(
            200,
            signInPage(identity.validateAuthorizeRequest(url.searchParams), { stylesheet: site.stylesheet }),
          );
        } catch (error) {
          return oauthError(error);
        }
      }
      if (url.pathname === "/dev/oauth2/authorize" && request.method === "POST") {
        const form = new URLSearchParams((await readBody(request, 64 * 1024))?.toString("utf8") ?? "");
        let authorizeRequest;
        try {
          authorizeRequest = identity.validateAuthorizeRequest(
            new URLSearchParams({
              response_type: "code",
              code_challenge_method: "S256",
              ...Object.fromEntries(form),
            }),
          );
        } catch (error) {
          return oauthError(error);
        }
        const author = { email: form.get("email") ?? "", name: form.get("name") ?? "" };
        try {
          const location = identity.authorize(authorizeRequest, author);
          response.writeHead(303, { location, "cache-control": "no-store" }).end();
        } catch (error) {
          const message = error instanceof OAuthError ? error.message : String(error);
          html(400, signInPage(authorizeRequest, { stylesheet: site.stylesheet, error: message, ...author }));
        }
        return;
      }
      if (url.pathname === "/dev/oauth2/token" && request.method === "POST") {
        try {
          const form = new URLSearchParams((await readBody(request, 64 * 1024))?.toString("utf8") ?? "");
          const tokens = identity.exchangeCode(form);
          return send(response, {
            statusCode: 200,
            headers: { "content-type": "application/json", "cache-control": "no-store" },
            body: Buffer.from(JSON.stringify(tokens)),
          });
        } catch (error) {
          return oauthError(error);
        }
      }
      send(response, {
        statusCode: 404,
        headers: { "content-type": "text/plain" },
        body: Buffer.from("Not found"),
      });
    };

    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? "/", origin);
      const route = url.pathname;
      const work =
        route.startsWith("/api/") || route === "/api"
          ? handleApi(request, response, url)
          : route.startsWith("/media/")
            ? handleMedia(response, url)
            : route.startsWith("/dev/oauth2/")
              ? handleSignIn(request, response, url)
              : Promise.resolve().then(() => {
                  if (route === "/config.json" && request.method === "GET") {
                    return send(
                      response,
                      {
                        statusCode: 200,
                        headers: { "content-type": "application/json", "cache-control": "no-cache" },
                        body: Buffer.from(config),
                      },
                      securityHeaders,
                    );
                  }
                  if (!site.handle(request, response)) {
                    send(
                      response,
                      {
                        statusCode: 404,
                        headers: { "content-type": "text/plain; charset=utf-8" },
                        body: Buffer.from("Not found"),
                      },
                      securityHeaders,
                    );
                  }
                });
      work.catch((error: unknown) => {
        log(
          `request ${request.method} ${route} failed: ${error instanceof Error ? error.stack : String(error)}`,
        );
        if (!response.headersSent) send(response, gatewayResponses.internalError());
        else response.destroy();
      });
    });

    return {
      siteUrl: `${origin}/`,
      apiUrl: `${origin}/api/`,
      sesInboxUrl: aws.sesInboxUrl,
      cacheEnabled: redis !== undefined,
      startupMs: Date.now() - started,
      timings,
      sentEmails: () => aws.sentEmails(),
      deadLetters,
      childPids: () =>
        [...lambdas.flatMap((l) => l.pids), ...childPidsOf(process.pid)].filter(
          (v, i, a) => a.indexOf(v) === i,
        ),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Direct children of a process, from /proc (Linux); empty elsewhere. */
export function childPidsOf(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}
