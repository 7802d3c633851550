/** The API function's environment, read once at cold start (fail fast, every problem named). */
import * as z from "zod/mini";
import { commonEnv, dbEnv, envBool, envList } from "../shared/env";
import { readEnv, type Env } from "../../shared/env-reader";
import { wholeNumber } from "../../shared/whole-number";
import { ORIGIN_VERIFICATION_MODES } from "../../shared/origin-verification";
import { tableVariables } from "../../shared/contracts/functions";
import { MAX_UPLOAD_BYTES, type UploadImageType } from "../../shared/contracts/limits";
import { MIN_ORIGIN_VERIFY_LENGTH } from "./origin";
import { EXTENSION_BY_CONTENT_TYPE } from "./uploads";

const schema = z
  .object({
    ...commonEnv,
    ...dbEnv,
    DB_USER: z.string(),
    /** `iam`: the password is an RDS IAM auth token; `password`: DB_PASSWORD (local development). */
    DB_AUTH: z._default(z.enum(["iam", "password"]), "iam"),
    DB_PASSWORD: z.optional(z.string()),
    /** `true`: DB_HOST is an RDS Proxy; the pool then sends no `statement_timeout` (the role's own applies). */
    DB_PROXY: z._default(envBool, false),
    /** Unset: no cache (local development without Redis); every read goes to PostgreSQL. */
    CACHE_HOST: z.optional(z.string()),
    CACHE_PORT: z._default(wholeNumber(1, 65535), 6379),
    CACHE_TLS: z._default(envBool, true),
    /** ElastiCache user with IAM authentication; unset = no AUTH (local Redis). */
    CACHE_USER: z.optional(z.string()),
    CACHE_REPLICATION_GROUP_ID: z.optional(z.string()),
    // A variable naming each table of its contract (shared/contracts/functions.ts).
    ...tableVariables("api", () => z.string()),
    UPLOADS_BUCKET: z.string(),
    MEDIA_BASE_URL: z.pipe(
      z.string().check(z.regex(/^(\/|https?:\/\/)/, "must be a path starting with / or an http(s) URL")),
      z.transform((value: string) => value.replace(/\/+$/, "")),
    ),
    UPLOAD_MAX_BYTES: z._default(wholeNumber(1, 5 * 1024 * 1024 * 1024), MAX_UPLOAD_BYTES),
    UPLOAD_CONTENT_TYPES: z._default(
      z.pipe(
        envList,
        z
          .array(
            z.string().check(
              z.refine((type) => type in EXTENSION_BY_CONTENT_TYPE, {
                message: `lists an unsupported type (supported: ${Object.keys(EXTENSION_BY_CONTENT_TYPE).join(", ")})`,
              }),
            ),
          )
          .check(z.minLength(1)),
      ),
      // Every type of UPLOAD_IMAGE_TYPES (shared/contracts/limits.ts; a test compares them).
      ["image/jpeg", "image/png"] satisfies UploadImageType[],
    ),
    CORS_ALLOWED_ORIGINS: z.optional(envList),
    /**
     * The origin-verification values CloudFront may send (comma-separated: both slots of the api stack, so that a
     * rotation drops no request; `npm run dev`: its local edge's). Only requests carrying one reach the routes.
     */
    ORIGIN_VERIFY_SECRETS: z.pipe(
      envList,
      z
        .array(
          z
            .string()
            .check(
              z.minLength(
                MIN_ORIGIN_VERIFY_LENGTH,
                `values must be at least ${MIN_ORIGIN_VERIFY_LENGTH} characters`,
              ),
            ),
        )
        .check(z.minLength(1), z.maxLength(2)),
    ),
    /**
     * `api.originVerification`: `accept-unverified` also serves requests without a value (not trusting their viewer
     * headers) while CloudFront does not send one yet, the first rollout of the check; a wrong value is refused.
     */
    ORIGIN_VERIFY_MODE: z._default(z.enum(ORIGIN_VERIFICATION_MODES), "enforce"),
    AWS_REGION: z._default(z.string(), "us-east-1"),
    /** Set for a local S3 (s3rver): the client then uses path-style addressing. */
    AWS_ENDPOINT_URL_S3: z.optional(z.string()),
  })
  .check(
    z.superRefine((env, ctx) => {
      if (env.DB_AUTH === "password" && env.DB_PASSWORD === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["DB_PASSWORD"],
          message: "is required when DB_AUTH is password",
        });
      }
      if (env.CACHE_USER !== undefined && env.CACHE_REPLICATION_GROUP_ID === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["CACHE_REPLICATION_GROUP_ID"],
          message: "is required when CACHE_USER is set (it is signed into the IAM auth token)",
        });
      }
    }),
  );

/** The variables as set (text), for the stacks and local environments to be checked against. */
export type ApiEnv = z.input<typeof schema>;
export type ApiConfig = z.output<typeof schema>;

export function loadApiConfig(env: Env): ApiConfig {
  return readEnv("api function", schema, env);
}
