/** The post routes: list, read, and the author's create, update and delete, each dropping what it makes stale. */
import { ValidationError, type ErrorDetail } from "../../shared/errors";
import { json, parseInput, parseJsonBody, type Author } from "../http";
import type { PhotoRecord } from "../media";
import { postNotFound } from "../posts-store";
import { parseUploadKey } from "../../../shared/author-folders";
import { createPostBody, slugify, slugParams, updatePostBody } from "../schemas";
import {
  cached,
  cacheKeys,
  CACHE_TTL_SECONDS,
  fresh,
  PROCESSING_TTL_SECONDS,
  PUBLIC_CACHE_CONTROL,
} from "./caching";
import type { RouteDeps, RouteHandler } from "./context";
import { pageOf, requireAuthor } from "./inputs";
import { isSettled, paged, postSummaryView, postView } from "./views";

/**
 * Photos attached to a post must be the author's own uploads: keys that name the author, which only the author's
 * identity folder or the API's presigned POST for that author can hold (shared/author-folders.ts).
 */
function checkOwnUploads(
  author: Author,
  keys: { coverKey?: string | null; photoKeys?: readonly string[] },
): void {
  const details: ErrorDetail[] = [];
  const own = (key: string) => parseUploadKey(key)?.author === author.sub;
  if (keys.coverKey && !own(keys.coverKey))
    details.push({ path: "body.coverKey", message: "must be one of your uploads" });
  keys.photoKeys?.forEach((key, index) => {
    if (!own(key)) details.push({ path: `body.photoKeys.${index}`, message: "must be one of your uploads" });
  });
  if (details.length > 0)
    throw new ValidationError("The request body is invalid", { code: "validation_failed", details });
}

export function postRoutes(
  deps: Pick<RouteDeps, "posts" | "likes" | "photos" | "cache" | "mediaBaseUrl">,
): Readonly<Record<"list" | "get" | "create" | "update" | "remove", RouteHandler>> {
  const { posts, likes, photos, cache } = deps;
  return {
    list: async (request) => {
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
        posts: shown.map((row) =>
          postSummaryView(deps.mediaBaseUrl, row, likeCounts.get(row.slug) ?? 0, coverRecords),
        ),
        nextCursor,
      });
      // A page whose cover thumbnails are still being made is not kept: its covers show as soon as they are ready.
      if (covers.every((key) => isSettled(coverRecords.get(key)))) {
        await cache.setField(cacheKeys.postList, field, body, CACHE_TTL_SECONDS);
      }
      return fresh(200, body, PUBLIC_CACHE_CONTROL);
    },

    get: async (_request, params) => {
      const { slug } = parseInput(params, slugParams, "path");
      const hit = await cache.get(cacheKeys.post(slug));
      if (hit !== undefined) return cached(hit, PUBLIC_CACHE_CONTROL);

      const row = await posts.getPost(slug);
      if (!row) throw postNotFound(slug);
      const { body, settled } = await postView(deps, row);
      const text = JSON.stringify(body);
      await cache.set(cacheKeys.post(slug), text, settled ? CACHE_TTL_SECONDS : PROCESSING_TTL_SECONDS);
      return fresh(200, text, PUBLIC_CACHE_CONTROL);
    },

    create: async (request) => {
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
      const { body } = await postView(deps, row);
      return json(201, body, { location: `/api/posts/${slug}` });
    },

    update: async (request, params) => {
      const author = requireAuthor(request);
      const { slug } = parseInput(params, slugParams, "path");
      const input = parseJsonBody(request, updatePostBody);
      checkOwnUploads(author, input);
      const row = await posts.updatePost(slug, author.sub, input);
      await cache.delete(cacheKeys.postList, cacheKeys.post(slug));
      const { body } = await postView(deps, row);
      return json(200, body);
    },

    remove: async (request, params) => {
      const author = requireAuthor(request);
      const { slug } = parseInput(params, slugParams, "path");
      await posts.deletePost(slug, author.sub);
      await Promise.all([
        cache.delete(cacheKeys.postList, cacheKeys.post(slug), cacheKeys.comments(slug)),
        likes.forget(slug),
      ]);
      return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
    },
  };
}
