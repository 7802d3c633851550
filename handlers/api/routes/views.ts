/** What clients see of posts and comments: the JSON shapes the routes answer with, built from store rows. */
import { photoView, smallestThumbnailUrl, type PhotoRecord } from "../media";
import { encodeCursor, type CommentRow, type PostRow, type PostSummaryRow } from "../posts-store";
import type { RouteDeps } from "./context";

/** A photo is settled once the thumbnail function has finished with it, either way. */
export const isSettled = (record: PhotoRecord | undefined): boolean =>
  record?.status === "ready" || record?.status === "failed";

/** The full post as clients see it, with photos, likes and comment count; `settled` once no photo is processing. */
export async function postView(deps: Pick<RouteDeps, "likes" | "photos" | "mediaBaseUrl">, row: PostRow) {
  const keys = [...row.photo_keys, ...(row.cover_key ? [row.cover_key] : [])];
  const [likeCount, photoRecords] = await Promise.all([
    deps.likes.count(row.slug),
    deps.photos.getMany(keys),
  ]);
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
}

/** A post in the list: no body, the cover's smallest thumbnail. */
export const postSummaryView = (
  mediaBaseUrl: string,
  row: PostSummaryRow,
  likes: number,
  covers: ReadonlyMap<string, PhotoRecord>,
) => ({
  slug: row.slug,
  title: row.title,
  excerpt: row.excerpt,
  coverThumbnailUrl: row.cover_key ? smallestThumbnailUrl(mediaBaseUrl, covers.get(row.cover_key)) : null,
  likes,
  publishedAt: row.published_at.toISOString(),
});

export const commentView = (row: CommentRow) => ({
  id: row.id,
  name: row.author_name,
  body: row.body,
  createdAt: row.created_at.toISOString(),
});

/** The page to show (the stores fetch one row more than the limit) and the cursor of the next page, if any. */
export function paged<Row extends { cursor_ts: string; id: string }>(rows: Row[], limit: number) {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ ts: last.cursor_ts, id: last.id }) : null;
  return { shown, nextCursor };
}
