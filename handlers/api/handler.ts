/**
 * Wires the API to real clients from its configuration: one per container, reused by every invocation (pool of at
 * most API_DB_POOL_SIZE PostgreSQL connections, one Redis connection, AWS SDK clients with their keep-alive agents).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Signer } from "@aws-sdk/rds-signer";
import { createLogger } from "../shared/logger";
import { tableNamesFrom } from "../../shared/contracts/functions";
import { API_DB_POOL_SIZE, API_DB_STATEMENT_TIMEOUT_MS } from "../../shared/contracts/limits";
import { createPgPool } from "../shared/postgres";
import { createApi, type ApiHandler } from "./app";
import { createDisabledCache, createRedisCache } from "./cache";
import type { ApiConfig } from "./config";
import { LikeStore, PhotoStore, SubscriberStore } from "./dynamo-stores";
import { elastiCacheAuthToken } from "./elasticache-auth";
import { createOriginGuard, unverifiedReporter } from "./origin";
import { guardedCredentials, outageMiddleware } from "./outages";
import { PostStore } from "./posts-store";

/**
 * DynamoDB's budget: a connection in 300 ms, an answer in 1 s, one retry. Well within the request deadline (see
 * app.ts), so an unreachable table is a 503 in about 2.5 s, not a Lambda timeout.
 */
const DYNAMODB_TIMEOUTS = {
  connectionTimeout: 300,
  requestTimeout: 1000,
  throwOnRequestTimeout: true,
} as const;

export interface ApiFunction {
  readonly handler: ApiHandler;
  /** Closes every connection (tests and the dev server; Lambda just freezes the container). */
  close(): Promise<void>;
}

export function createApiFunction(config: ApiConfig): ApiFunction {
  const logger = createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  });
  const dynamoClient = new DynamoDBClient({ requestHandler: DYNAMODB_TIMEOUTS, maxAttempts: 2 });
  dynamoClient.middlewareStack.add(outageMiddleware("dynamodb"), {
    step: "initialize",
    name: "outageToUnavailable",
  });
  // The client's default credential chain (the Node.js provider chain, memoised): the RDS and ElastiCache tokens and
  // the presigned POSTs sign with it too, so all of them share one cache of credentials; failing to fetch them is an
  // outage (503) like any other.
  const credentials = guardedCredentials(dynamoClient.config.credentials);

  const pool = createPgPool(
    {
      host: config.DB_HOST,
      port: config.DB_PORT,
      database: config.DB_NAME,
      user: config.DB_USER,
      password:
        config.DB_AUTH === "iam"
          ? () =>
              new Signer({
                hostname: config.DB_HOST,
                port: config.DB_PORT,
                username: config.DB_USER,
                region: config.AWS_REGION,
                credentials,
              }).getAuthToken()
          : (config.DB_PASSWORD as string),
      ssl: config.DB_SSL,
      maxConnections: API_DB_POOL_SIZE,
      statementTimeoutMs: API_DB_STATEMENT_TIMEOUT_MS,
      viaProxy: config.DB_PROXY,
      applicationName: "myblog-api",
    },
    logger,
  );

  const cacheUser = config.CACHE_USER;
  const replicationGroupId = config.CACHE_REPLICATION_GROUP_ID;
  const cache =
    config.CACHE_HOST === undefined
      ? createDisabledCache()
      : createRedisCache(
          {
            host: config.CACHE_HOST,
            port: config.CACHE_PORT,
            tls: config.CACHE_TLS,
            credentials:
              cacheUser && replicationGroupId
                ? async () => ({
                    username: cacheUser,
                    password: await elastiCacheAuthToken({
                      replicationGroupId,
                      user: cacheUser,
                      region: config.AWS_REGION,
                      credentials,
                    }),
                  })
                : undefined,
          },
          logger,
        );

  const dynamo = DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { removeUndefinedValues: true },
  });
  // Each table of the API's contract, by its contract name (a route module builds its store from these).
  const tables = tableNamesFrom("api", config);
  // Path-style URLs only for a local S3 endpoint (virtual-hosted style needs DNS per bucket).
  const s3 = { region: config.AWS_REGION, credentials, endpoint: config.AWS_ENDPOINT_URL_S3 };

  const handler = createApi({
    origin: createOriginGuard(config.ORIGIN_VERIFY_SECRETS, {
      mode: config.ORIGIN_VERIFY_MODE,
      onUnverified: unverifiedReporter((message, details) => logger.warn(message, details)),
    }),
    posts: new PostStore(pool),
    likes: new LikeStore(dynamo, tables.counters, logger),
    subscribers: new SubscriberStore(dynamo, tables.subscribers),
    photos: new PhotoStore(dynamo, tables.photos),
    dynamo,
    tables,
    cache,
    s3,
    logger,
    version: config.APP_VERSION,
    mediaBaseUrl: config.MEDIA_BASE_URL,
    uploads: {
      bucket: config.UPLOADS_BUCKET,
      maxBytes: config.UPLOAD_MAX_BYTES,
      contentTypes: config.UPLOAD_CONTENT_TYPES,
    },
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  });

  return {
    handler,
    async close() {
      await Promise.all([pool.end(), cache.close()]);
      dynamoClient.destroy();
    },
  };
}
