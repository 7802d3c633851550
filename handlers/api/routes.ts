/**
 * The API's routes. Each validates all of its input first (path, query, headers, body: a 4xx before any I/O), then
 * reads through the cache or writes and invalidates what the write makes stale.
 */
import { API_ROUTES, type RouteId } from "../../lib/api-routes";
import { RateLimitedError, UnauthenticatedError, ValidationError, type ErrorDetail } from "../shared/errors";
import type { Logger } from "../shared/logger";
import type { Cache } from "./cache";
import type { LikeStore, PhotoStore, SubscriberStore } from "./dynamo-stores";
import {
  json,
  jsonText,
  parseInput,
  parseJsonBody,
  type ApiRequest,
  type Author,
  type HttpResponse,
} from "./http";
import { photoView, smallestThumbnailUrl, type PhotoRecord } from "./media";
import {
  decodeCursor,
  encodeCursor,
  postNotFound,
  type Cursor,
  type PostRow,
  type PostStore,
} from "./posts-store";
import { Router } from "./router";
import {
  clientIdHeader,
  commentBody,
  createPostBody,
  pageQuery,
  slugify,
  slugParams,
  subscribeBody,
  updatePostBody,
  uploadBody,
  UPLOAD_KEY_PATTERN,
} from "./schemas";
import type { S3Signing } from "./presigned-post";
import { checkUpload, presignUpload, type UploadPolicy } from "./uploads";

export interface RouteDeps {
  readonly posts: PostStore;
  readonly likes: LikeStore;
  readonly subscribers: SubscriberStore;
  readonly photos: PhotoStore;
  readonly cache: Cache;
  /** How to sign presigned POSTs for the uploads bucket. */
  readonly s3: S3Signing;
  readonly logger: Logger;
  readonly version: string;
  /** Prefix of media URLs (`/media` behind CloudFront). */
  readonly mediaBaseUrl: string;
  readonly uploads: UploadPolicy;
}

export type RouteHandler = (
  request: ApiRequest,
  params: Readonly<Record<string, string>>,
) => Promise<HttpResponse>;

/** One handler per route of lib/api-routes.ts: a route without a handler, or a handler without a route, is a type error. */
export type RouteHandlers = Readonly<Record<RouteId, RouteHandler>>;

/** How long Redis keeps reads, and what CloudFront and browsers may cache (short: writes must show quickly). */
export const CACHE_TTL_SECONDS = 60;
/** A post whose photos are still being processed is cached briefly so that the thumbnails appear soon. */
export const PROCESSING_TTL_SECONDS = 5;
const PUBLIC_CACHE_CONTROL = "public, max-age=10, s-maxage=30, stale-while-revalidate=30";

/** A photo is settled once the thumbnail function has finished with it, either way. */
const isSettled = (record: PhotoRecord | undefined): boolean =>
  record?.status === "ready" || record?.status === "failed";

/** Abuse limits per client per window. */
export const RATE_LIMITS = {
  comment: { max: 5, windowSeconds: 60 },
  subscribe: { max: 5, windowSeconds: 600 },
  like: { max: 30, windowSeconds: 60 },
} as const;

export const cacheKeys = {
  /** Hash: one field per page (`<limit>:<cursor>`), dropped as a whole by any post write. */
  postList: "posts:list",
  post: (slug: string) => `post:${slug}`,
  comments: (slug: string) => `comments:${slug}`,
};

/** Author subs become part of S3 keys: only safe characters. */
const AUTHOR_SUB_PATTERN = /^[A-Za-z0-9_.@-]{1,128}$/;

function requireAuthor(request: ApiRequest): Author {
  if (!request.author) {
    throw new UnauthenticatedError("Sign in as an author to do this", { code: "unauthenticated" });
  }
  if (!AUTHOR_SUB_PATTERN.test(request.author.sub)) {
    throw new UnauthenticatedError("The token's subject cannot identify an author", {
      code: "invalid_subject",
    });
  }
  return request.author;
}

/** `x-client-id` (a UUID the browser keeps) or, without it, the source IP. */
function clientId(request: ApiRequest): string {
  const header = parseInput(request.headers["x-client-id"], clientIdHeader, "headers.x-client-id");
  return header?.toLowerCase() ?? `ip:${request.sourceIp}`;
}

function pageOf(query: ApiRequest["query"]): { limit: number; cursorText: string; after?: Cursor } {
  const page = parseInput(query, pageQuery, "query");
  return {
    limit: page.limit,
    cursorText: page.cursor ?? "",
    after: page.cursor ? decodeCursor(page.cursor) : undefined,
  };
}

/** Photos attached to a post must be the author's own uploads. */
function checkOwnUploads(
  author: Author,
  keys: { coverKey?: string | null; photoKeys?: readonly string[] },
): void {
  const details: ErrorDetail[] = [];
  const own = (key: string) => UPLOAD_KEY_PATTERN.exec(key)?.[1] === author.sub;
  if (keys.coverKey && !own(keys.coverKey))
    details.push({ path: "body.coverKey", message: "must be one of your uploads" });
  keys.photoKeys?.forEach((key, index) => {
    if (!own(key)) details.push({ path: `body.photoKeys.${index}`, message: "must be one of your uploads" });
  });
  if (details.length > 0)
    throw new ValidationError("The request body is invalid", { code: "validation_failed", details });
}

/** The page to show (the stores fetch one row more than the limit) and the cursor of the next page, if any. */
function paged<Row extends { cursor_ts: string; id: string }>(rows: Row[], limit: number) {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ ts: last.cursor_ts, id: last.id }) : null;
  return { shown, nextCursor };
}

const cached = (body: string, cacheControl: string) =>
  jsonText(200, body, { "cache-control": cacheControl, "x-cache": "hit" });
const fresh = (status: number, body: string, cacheControl: string) =>
  jsonText(status, body, { "cache-control": cacheControl, "x-cache": "miss" });

export function createRoutes(deps: RouteDeps): Router<RouteHandler> {
  const { posts, likes, subscribers, photos, cache } = deps;

  const enforceRateLimit = async (kind: keyof typeof RATE_LIMITS, client: string) => {
    const limit = RATE_LIMITS[kind];
    const counted = await cache.count(`rate:${kind}:${client}`, limit.windowSeconds);
    // Without Redis the limit cannot be counted: fail open (logged by the cache) rather than refuse every reader.
    if (counted && counted.count > limit.max) {
      throw new RateLimitedError(
        `Too many requests: at most ${limit.max} per ${limit.windowSeconds} seconds, retry in ${counted.resetSeconds} s`,
        counted.resetSeconds,
      );
    }
  };

  /** The full post as clients see it, with photos, likes and comment count. */
  const postView = async (row: PostRow) => {
    const keys = [...row.photo_keys, ...(row.cover_key ? [row.cover_key] : [])];
    const [likeCount, photoRecords] = await Promise.all([likes.count(row.slug), photos.getMany(keys)]);
    const view = (key: string) => photoView(deps.mediaBaseUrl, key, photoRecords.get(key));
    const settled = keys.every((key) => isSettled(photoRecords.get(key)));
    return {
      settled,
      body: {
        slug: row.slug,
        title: row.title,
        excerpt: row.excerpt,
        body: row.body,
        author: { name: row.author_name },
        publishedAt: row.published_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
        cover: row.cover_key ? view(row.cover_key) : null,
        photos: row.photo_keys.map(view),
        likes: likeCount,
        comments: Number(row.comment_count),
      },
    };
  };

  const handlers = {
    health: async () => {
      const [database, cacheState] = await Promise.all([posts.ping(), cache.ping()]);
      return json(200, {
        status: database && cacheState !== "down" ? "ok" : "degraded",
        version: deps.version,
        checks: { database: database ? "up" : "down", cache: cacheState },
      });
    },

    listPosts: async (request) => {
      const page = pageOf(request.query);
      const field = `${page.limit}:${page.cursorText}`;
      const hit = await cache.getField(cacheKeys.postList, field);
      if (hit !== undefined) return cached(hit, PUBLIC_CACHE_CONTROL);

      const { shown, nextCursor } = paged(await posts.listPosts(page.limit, page.after), page.limit);
      const slugs = shown.map((row) => row.slug);
      const covers = shown.flatMap((row) => (row.cover_key ? [row.cover_key] : []));
      const [likeCounts, coverRecords] = await Promise.all([
        likes.counts(slugs),
        covers.length > 0 ? photos.getMany(covers) : Promise.resolve(new Map<string, PhotoRecord>()),
      ]);
      const body = JSON.stringify({
        posts: shown.map((row) => ({
          slug: row.slug,
          title: row.title,
          excerpt: row.excerpt,
          coverThumbnailUrl: row.cover_key
            ? smallestThumbnailUrl(deps.mediaBaseUrl, coverRecords.get(row.cover_key))
            : null,
          likes: likeCounts.get(row.slug) ?? 0,
          publishedAt: row.published_at.toISOString(),
        })),
        nextCursor,
      });
      // A page whose cover thumbnails are still being made is not kept: its covers show as soon as they are ready.
      if (covers.every((key) => isSettled(coverRecords.get(key)))) {
        await cache.setField(cacheKeys.postList, field, body, CACHE_TTL_SECONDS);
      }
      return fresh(200, body, PUBLIC_CACHE_CONTROL);
    },

    getPost: async (_request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const hit = await cache.get(cacheKeys.post(slug));
      if (hit !== undefined) return cached(hit, PUBLIC_CACHE_CONTROL);

      const row = await posts.getPost(slug);
      if (!row) throw postNotFound(slug);
      const { body, settled } = await postView(row);
      const text = JSON.stringify(body);
      await cache.set(cacheKeys.post(slug), text, settled ? CACHE_TTL_SECONDS : PROCESSING_TTL_SECONDS);
      return fresh(200, text, PUBLIC_CACHE_CONTROL);
    },

    createPost: async (request) => {
      const author = requireAuthor(request);
      const input = parseJsonBody(request, createPostBody);
      checkOwnUploads(author, input);
      const slug = input.slug ?? slugify(input.title);
      if (slug === "") {
        throw new ValidationError("The request body is invalid", {
          code: "validation_failed",
          details: [
            {
              path: "body.slug",
              message: "the title has no letters or digits to make a slug from: give a slug",
            },
          ],
        });
      }
      const row = await posts.createPost({
        slug,
        title: input.title,
        excerpt: input.excerpt ?? "",
        body: input.body,
        coverKey: input.coverKey ?? null,
        photoKeys: input.photoKeys ?? [],
        authorSub: author.sub,
        authorName: author.name,
      });
      await cache.delete(cacheKeys.postList);
      const { body } = await postView(row);
      return json(201, body, { location: `/api/posts/${slug}` });
    },

    updatePost: async (request, params) => {
      const author = requireAuthor(request);
      const { slug } = parseInput(params, slugParams, "path");
      const input = parseJsonBody(request, updatePostBody);
      checkOwnUploads(author, input);
      const row = await posts.updatePost(slug, author.sub, input);
      await cache.delete(cacheKeys.postList, cacheKeys.post(slug));
      const { body } = await postView(row);
      return json(200, body);
    },

    deletePost: async (request, params) => {
      const author = requireAuthor(request);
      const { slug } = parseInput(params, slugParams, "path");
      await posts.deletePost(slug, author.sub);
      await Promise.all([
        cache.delete(cacheKeys.postList, cacheKeys.post(slug), cacheKeys.comments(slug)),
        likes.forget(slug),
      ]);
      return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
    },

    listComments: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const page = pageOf(request.query);
      const field = `${page.limit}:${page.cursorText}`;
      const hit = await cache.getField(cacheKeys.comments(slug), field);
      if (hit !== undefined) return cached(hit, PUBLIC_CACHE_CONTROL);

      const rows = await posts.listComments(slug, page.limit, page.after);
      if (!rows) throw postNotFound(slug);
      const { shown, nextCursor } = paged(rows, page.limit);
      const body = JSON.stringify({
        comments: shown.map((row) => ({
          id: row.id,
          name: row.author_name,
          body: row.body,
          createdAt: row.created_at.toISOString(),
        })),
        nextCursor,
      });
      await cache.setField(cacheKeys.comments(slug), field, body, CACHE_TTL_SECONDS);
      return fresh(200, body, PUBLIC_CACHE_CONTROL);
    },

    addComment: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const client = clientId(request);
      const input = parseJsonBody(request, commentBody);
      await enforceRateLimit("comment", client);
      const row = await posts.addComment(slug, input.name, input.body);
      await cache.delete(cacheKeys.comments(slug), cacheKeys.post(slug));
      return json(201, {
        id: row.id,
        name: row.author_name,
        body: row.body,
        createdAt: row.created_at.toISOString(),
      });
    },

    likePost: async (request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const client = clientId(request);
      // Per source address too: a script could invent a new client id for every like.
      await enforceRateLimit("like", `ip:${request.sourceIp}`);
      const known = (await cache.get(cacheKeys.post(slug))) !== undefined || (await posts.exists(slug));
      if (!known) throw postNotFound(slug);
      const result = await likes.like(slug, client);
      if (!result.alreadyLiked) await cache.delete(cacheKeys.post(slug));
      return json(200, { slug, likes: result.likes, alreadyLiked: result.alreadyLiked });
    },

    subscribe: async (request) => {
      const client = clientId(request);
      const input = parseJsonBody(request, subscribeBody);
      await enforceRateLimit("subscribe", client);
      // The same answer whether or not the address was already subscribed: no way to probe the list.
      await subscribers.subscribe(input.email, input.name);
      return json(202, { status: "accepted", message: "Thanks! A welcome e-mail is on its way." });
    },

    createUpload: async (request) => {
      const author = requireAuthor(request);
      const input = parseJsonBody(request, uploadBody);
      const contentType = checkUpload(deps.uploads, input.contentType, input.size);
      const upload = await presignUpload(deps.s3, deps.uploads, author.sub, contentType, input.size);
      await photos.recordPending({ key: upload.key, author: author.sub, contentType });
      return json(201, upload);
    },
  } satisfies RouteHandlers;

  return routerFor(handlers);
}

/** Registers each declared route, in the table's order, with its handler. */
export function routerFor<H>(handlers: Readonly<Record<RouteId, H>>): Router<H> {
  const router = new Router<H>();
  for (const route of API_ROUTES) router.add(route.method, route.path, handlers[route.id]);
  return router;
}
