/**
 * Everything the API function needs, started for real on this machine: PostgreSQL (migrated by the migrate
 * function), Redis, and the local DynamoDB and S3. Shared by the API tests and the API benchmark.
 * AWS itself is the only thing not real: dynalite and s3rver stand in for DynamoDB and S3.
 */
import { randomBytes } from "crypto";
import { createMigrateHandler } from "../../../handlers/migrate/app";
import { loadMigrateConfig } from "../../../handlers/migrate/config";
import { loadApiConfig } from "../../../handlers/api/config";
import { createApiFunction, type ApiFunction } from "../../../handlers/api/handler";
import { tablesOfFunction, tableVariables, type TableOfFunction } from "../../../shared/contracts/functions";
import { MAX_UPLOAD_BYTES } from "../../../shared/contracts/limits";
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
  /** Each table of the API's contract (shared/contracts/functions.ts), named as in the contract. */
  readonly tables: { readonly [T in TableOfFunction<"api">]: string };
  readonly buckets: { readonly uploads: string; readonly media: string };
  stop(): Promise<void>;
}

const randomOctet = () => Math.floor(Math.random() * 256);

/** What "CloudFront" sends in these tests: generated per run, as the stacks' value is per stack. */
export const ORIGIN_VERIFY_VALUE = randomBytes(32).toString("hex");

export async function startApiEnvironment(
  overrides: Partial<Record<FunctionVariable<"api">, string>> = {},
): Promise<ApiEnvironment> {
  const [pg, redis, aws] = await Promise.all([startPostgres(), startRedis(), startAwsLocal()]);
  try {
    // The SDK clients read endpoints, region and credentials from the process environment.
    Object.assign(process.env, aws.env);
    const tables = Object.fromEntries(
      tablesOfFunction("api").map((name) => [name, name]),
    ) as ApiEnvironment["tables"];
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
      ...tableVariables("api", ({ table }) => tables[table]),
      UPLOADS_BUCKET: buckets.uploads,
      MEDIA_BASE_URL: `${aws.s3Endpoint}/${buckets.media}/media`,
      UPLOAD_MAX_BYTES: String(MAX_UPLOAD_BYTES),
      ORIGIN_VERIFY_SECRETS: ORIGIN_VERIFY_VALUE,
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

/**
 * An API Gateway HTTP API (payload 2.0) event, as the stage sends it for a request that came through CloudFront:
 * the origin-verification value and the reader's address in CloudFront-Viewer-Address, from an edge server's address.
 */
export function httpEvent(
  method: string,
  path: string,
  options: {
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    claims?: Record<string, string>;
    /** The reader's address, as CloudFront reports it (fresh per event unless given: limits count per reader). */
    viewerIp?: string;
    /** The address API Gateway sees: the CloudFront edge server's (fresh per event unless given). */
    edgeIp?: string;
    /** `direct`: a caller of API Gateway's own endpoint, without CloudFront's headers (only `headers`). */
    via?: "cloudfront" | "direct";
  } = {},
): Record<string, unknown> {
  const hasBody = options.body !== undefined;
  const viewerIp = options.viewerIp ?? `10.${randomOctet()}.${randomOctet()}.${randomOctet()}`;
  const viewer = viewerIp.includes(":") ? `${viewerIp}:443` : `${viewerIp}:${1024 + randomOctet()}`;
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: {
      ...(hasBody ? { "content-type": "application/json" } : {}),
      ...options.headers,
      // CloudFront replaces whatever the viewer sent under these names.
      ...(options.via === "direct"
        ? {}
        : { "x-origin-verify": ORIGIN_VERIFY_VALUE, "cloudfront-viewer-address": viewer }),
    },
    queryStringParameters: options.query,
    requestContext: {
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: options.edgeIp ?? `130.176.${randomOctet()}.${randomOctet()}`,
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
