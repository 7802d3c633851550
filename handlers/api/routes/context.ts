/** What every route receives: the API's dependencies (each route module picks the few it uses) and its signature. */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableOfFunction } from "../../../shared/contracts/functions";
import type { Logger } from "../../shared/logger";
import type { Cache } from "../cache";
import type { LikeStore, PhotoStore, SubscriberStore } from "../dynamo-stores";
import type { ApiRequest, HttpResponse } from "../http";
import type { PostStore } from "../posts-store";
import type { RateLimiter } from "./rate-limits";
import type { S3Signing } from "../presigned-post";
import type { UploadPolicy } from "../uploads";

export interface RouteDeps {
  readonly posts: PostStore;
  readonly likes: LikeStore;
  readonly subscribers: SubscriberStore;
  readonly photos: PhotoStore;
  /**
   * The DynamoDB client and the name of every table of the API's contract (shared/contracts/functions.ts), from which
   * a route module builds its own store (`new BookmarkStore(deps.dynamo, deps.tables.bookmarks)`).
   */
  readonly dynamo: DynamoDBDocumentClient;
  readonly tables: { readonly [T in TableOfFunction<"api">]: string };
  readonly cache: Cache;
  /** How to sign presigned POSTs for the uploads bucket. */
  readonly s3: S3Signing;
  readonly logger: Logger;
  readonly version: string;
  /** Prefix of media URLs (`/media` behind CloudFront). */
  readonly mediaBaseUrl: string;
  readonly uploads: UploadPolicy;
  /** Made by createRoutes from the cache when not given. */
  readonly rateLimiter?: RateLimiter;
}

export type Routed = RouteDeps & { readonly rateLimiter: RateLimiter };

export type RouteHandler = (
  request: ApiRequest,
  params: Readonly<Record<string, string>>,
) => Promise<HttpResponse>;
