/**
 * Everything the API function needs, started for real on this machine: PostgreSQL (migrated by the migrate
 * function), Redis, and the local DynamoDB and S3. Shared by the API tests and the API benchmark.
 * AWS itself is the only thing not real: dynalite and s3rver stand in for DynamoDB and S3.
 */
import { createMigrateHandler } from "../../../handlers/migrate/app";
import { loadMigrateConfig } from "../../../handlers/migrate/config";
import { loadApiConfig } from "../../../handlers/api/config";
import { createApiFunction, type ApiFunction } from "../../../handlers/api/handler";
import { MAX_UPLOAD_BYTES } from "../../../handlers/shared/limits";
import type { FunctionEnvironment, FunctionVariable } from "../../../lib/function-environment";
import { startAwsLocal, type AwsLocal } from "../../../local/aws-local";
import { startPostgres, type LocalPostgres } from "../../../local/postgres";
import { startRedis, type LocalRedis } from "../../../local/redis";

export interface ApiEnvironment {
  readonly pg: LocalPostgres;
  readonly redis: LocalRedis;
  readonly aws: AwsLocal;
  /** The API function's variables, as the stacks would set them, and the local AWS endpoints and credentials. */
  readonly env: FunctionEnvironment<"api"> & Readonly<Record<string, string>>;
  readonly api: ApiFunction;
  readonly tables: { readonly subscribers: string; readonly counters: string; readonly photos: string };
  readonly buckets: { readonly uploads: string; readonly media: string };
  stop(): Promise<void>;
}

const randomOctet = () => Math.floor(Math.random() * 256);

export async function startApiEnvironment(
  overrides: Partial<Record<FunctionVariable<"api">, string>> = {},
): Promise<ApiEnvironment> {
  const [pg, redis, aws] = await Promise.all([startPostgres(), startRedis(), startAwsLocal()]);
  try {
    // The SDK clients read endpoints, region and credentials from the process environment.
    Object.assign(process.env, aws.env);
    const tables = { subscribers: "subscribers", counters: "counters", photos: "photos" };
    const buckets = { uploads: "uploads", media: "media" };
    await aws.createTables(tables);
    await aws.createBuckets(buckets.uploads, buckets.media);

    const apiPassword = "local-api-password";
    const migrateEnv: FunctionEnvironment<"migrate"> = {
      ...pg.env,
      DB_API_USER: "blog_api",
      DB_API_PASSWORD: apiPassword,
      LOG_LEVEL: "SILENT",
    };
    await createMigrateHandler(loadMigrateConfig(migrateEnv))();

    const variables: FunctionEnvironment<"api"> = {
      ...redis.env,
      POWERTOOLS_SERVICE_NAME: "api",
      LOG_LEVEL: "SILENT",
      APP_VERSION: "test",
      DB_HOST: pg.host,
      DB_PORT: String(pg.port),
      DB_NAME: pg.database,
      DB_USER: "blog_api",
      DB_AUTH: "password",
      DB_PASSWORD: apiPassword,
      DB_SSL: "disable",
      SUBSCRIBERS_TABLE: tables.subscribers,
      COUNTERS_TABLE: tables.counters,
      PHOTOS_TABLE: tables.photos,
      UPLOADS_BUCKET: buckets.uploads,
      MEDIA_BASE_URL: `${aws.s3Endpoint}/${buckets.media}/media`,
      UPLOAD_MAX_BYTES: String(MAX_UPLOAD_BYTES),
      ...overrides,
    };
    const env = { ...aws.env, ...variables };
    const api = createApiFunction(loadApiConfig(env));
    return {
      pg,
      redis,
      aws,
      env,
      api,
      tables,
      buckets,
      async stop() {
        await api.close();
        await Promise.all([pg.stop(), redis.stop(), aws.stop()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([pg.stop(), redis.stop(), aws.stop()]);
    throw error;
  }
}

/** An API Gateway HTTP API (payload 2.0) event, as the stage sends it. */
export function httpEvent(
  method: string,
  path: string,
  options: {
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    claims?: Record<string, string>;
    sourceIp?: string;
  } = {},
): Record<string, unknown> {
  const hasBody = options.body !== undefined;
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: {
      ...(hasBody ? { "content-type": "application/json" } : {}),
      ...options.headers,
    },
    queryStringParameters: options.query,
    requestContext: {
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        // A fresh address per event unless given: rate limits count per source IP.
        sourceIp: options.sourceIp ?? `10.${randomOctet()}.${randomOctet()}.${randomOctet()}`,
        userAgent: "test",
      },
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: [] } } } : {}),
    },
    body: hasBody
      ? typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body)
      : undefined,
    isBase64Encoded: false,
  };
}
