/**
 * The services the functions use, started locally: the HTTP listener, the AWS stand-ins (DynamoDB tables,
 * S3 buckets behind the upload-policy proxy, SES), PostgreSQL and Redis. Each start puts its stop on the cleanup stack.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { startAwsLocal, type AwsLocal } from "../local/aws-local";
import { startPostgres, type LocalPostgres } from "../local/postgres";
import { startRedis, type LocalRedis } from "../local/redis";
import { DevEnvironmentError, errorMessage, type CleanupStack, type Log } from "./lifecycle";
import type { LocalIdentityPool } from "./identity-pool";
import { startUploadPolicyProxy } from "./upload-policy-proxy";
import { TABLE_NAMES, type TableName } from "../shared/contracts/tables";

/** The local counterpart of every table of the contract (shared/contracts/tables.ts): `myblog-local-<name>`. */
export const LOCAL_TABLES = Object.fromEntries(
  TABLE_NAMES.map((name) => [name, `myblog-local-${name}`]),
) as Readonly<Record<TableName, string>>;

/** The local counterparts of the data and events stacks' other resources. */
export const LOCAL_NAMES = {
  uploadsBucket: "myblog-local-uploads",
  mediaBucket: "myblog-local-media",
  uploadsTopicArn: "arn:aws:sns:us-east-1:000000000000:myblog-local-uploads",
  uploadStatsQueueArn: "arn:aws:sqs:us-east-1:000000000000:myblog-local-upload-stats-queue",
} as const;

export const LOCAL_REGION = "us-east-1";

export interface Listener {
  readonly server: Server;
  /** `http://<host>:<port>`, as the browser reaches the site. */
  readonly origin: string;
  /** Origins the site is reachable at (for CORS and the sign-in's redirect URIs). */
  readonly allowedOrigins: () => string[];
  /** From now on requests go to `handler` (until then each one is answered 503 "starting"). */
  serve(handler: RequestHandler): void;
  /** From now on every request is answered 503 "stopping" and its connection closed. */
  drain(): void;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Seconds a client is told to wait before it asks again while the environment starts or stops. */
export const RETRY_AFTER_SECONDS = 1;

/** The answer while no routes are attached: 503 with the stable JSON error shape and `Retry-After`. */
export function notReady(state: "starting" | "stopping"): RequestHandler {
  const body = Buffer.from(
    JSON.stringify({
      message: "Service Unavailable",
      error:
        state === "starting"
          ? "The local environment is still starting; retry shortly."
          : "The local environment is stopping.",
    }),
  );
  return (request, response) => {
    request.resume(); // the body is not read: drain it so the socket does not stall
    response.writeHead(503, {
      "content-type": "application/json",
      "content-length": String(body.length),
      "retry-after": String(RETRY_AFTER_SECONDS),
      "cache-control": "no-store",
      ...(state === "stopping" ? { connection: "close" } : {}),
    });
    response.end(body);
  };
}

/**
 * Listens first, so that a port in use fails before anything else starts. Every request is answered from the
 * first moment: 503 "starting" (with `Retry-After`) until the routes are attached, 503 "stopping" once the
 * environment stops; then the port closes and connections are refused.
 */
export async function listen(cleanup: CleanupStack, port: number, host: string): Promise<Listener> {
  let handler: RequestHandler = notReady("starting");
  const server = createServer((request, response) => handler(request, response));
  // Keep-alive connections would otherwise hold stop() back (and a half-sent request would wait forever).
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        handler = notReady("stopping");
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new DevEnvironmentError(
          error.code === "EADDRINUSE" ? `Port ${port} is in use: set PORT to another port` : error.message,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const origin = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${bound}`;
  return {
    server,
    origin,
    allowedOrigins: () => [origin, `http://localhost:${bound}`],
    serve: (next) => (handler = next),
    drain: () => (handler = notReady("stopping")),
  };
}

export interface AwsServices {
  /** dynalite, s3rver and aws-ses-v2-local. */
  readonly local: AwsLocal;
  /** The policy-enforcing proxy in front of s3rver: the API's presigned POST URLs point at it. */
  readonly uploadsEndpoint: string;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  /** Settles when the tables and buckets (with the uploads bucket's CORS rule) exist. */
  readonly resources: Promise<void>;
}

export async function startAwsServices(
  cleanup: CleanupStack,
  allowedOrigins: () => string[],
  identityPool: LocalIdentityPool,
): Promise<AwsServices> {
  const aws = cleanup.adopt(await startAwsLocal({ host: "127.0.0.1", region: LOCAL_REGION }));
  // Browsers reach the uploads bucket through this: it enforces the presigned POST policy and, for identity
  // credentials, the author folders' role statements, as S3 and IAM do (s3rver does neither).
  const proxy = cleanup.adopt(
    await startUploadPolicyProxy({
      target: aws.s3Endpoint,
      secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY,
      folders: {
        bucket: LOCAL_NAMES.uploadsBucket,
        credentialsFor: (accessKeyId) => identityPool.credentialsFor(accessKeyId),
        forwardAccessKeyId: aws.env.AWS_ACCESS_KEY_ID,
      },
    }),
  );
  const tables = aws.createTables(LOCAL_TABLES);
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint: aws.s3Endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: aws.env.AWS_ACCESS_KEY_ID, secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY },
  });
  const dynamo = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: aws.dynamodbEndpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  cleanup.push(() => {
    s3.destroy();
    dynamo.destroy();
  });
  const buckets = aws.createBuckets(LOCAL_NAMES.uploadsBucket, LOCAL_NAMES.mediaBucket).then(() =>
    // What the data stack puts on the uploads bucket: browsers of the site may POST (presigned) uploads and,
    // with identity credentials, list, get, put and delete in the author folders (the SDK reads the ETag).
    s3.send(
      new PutBucketCorsCommand({
        Bucket: LOCAL_NAMES.uploadsBucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: allowedOrigins(),
              AllowedMethods: ["POST", "GET", "PUT", "DELETE", "HEAD"],
              AllowedHeaders: ["*"],
              ExposeHeaders: ["ETag"],
              MaxAgeSeconds: 3000,
            },
          ],
        },
      }),
    ),
  );
  const resources = Promise.all([tables, buckets]).then(() => undefined);
  return { local: aws, uploadsEndpoint: proxy.endpoint, s3, dynamo, resources };
}

export async function startDatabase(cleanup: CleanupStack, log: Log): Promise<LocalPostgres> {
  const pg = cleanup.adopt(await startPostgres({ database: "blog" }));
  if (pg.binaries.source === "embedded") {
    log(
      "Notice: no PostgreSQL is installed, so the embedded PostgreSQL 15 from npm runs (apt-get install -y postgresql to use yours).",
    );
  }
  return pg;
}

function redisInstalled(): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, "redis-server")));
}

/**
 * Starts Redis now (beside PostgreSQL) when wanted and installed; the returned call waits for it and says why
 * the cache is off otherwise (`"auto"` turns it off when Redis is missing or fails, `true` fails instead).
 */
export function startCache(
  cleanup: CleanupStack,
  use: "auto" | boolean,
  log: Log,
): () => Promise<LocalRedis | undefined> {
  const starting = use === false || (use === "auto" && !redisInstalled()) ? undefined : startRedis();
  starting?.catch(() => undefined);
  // Registered now: a stop while Redis is still starting (PostgreSQL failed) must not leave it running.
  if (starting) cleanup.push(async () => (await starting.catch(() => undefined))?.stop());
  return async () => {
    let redis: LocalRedis | undefined;
    if (starting) {
      try {
        redis = await starting;
      } catch (error) {
        if (use === true) throw error;
        log(`Redis could not start (${errorMessage(error)}): the API cache is off.`);
      }
    }
    if (!redis && use === "auto" && !redisInstalled()) {
      log(
        "Notice: redis-server is not installed, so the API runs without its cache (apt-get install -y redis-server to enable it).",
      );
    } else if (use === false) {
      log("Notice: the API runs without its cache (DEV_REDIS=off).");
    }
    return redis;
  };
}
