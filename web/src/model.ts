/** The shapes the blog API answers with, as the pages use them. */

export type PhotoStatus = "pending" | "processing" | "ready" | "failed";

export interface Photo {
  /** The uploads object key, `uploads/<authorSub>/<uuid>.<ext>`. */
  readonly key: string;
  readonly status: PhotoStatus;
  readonly originalUrl?: string | null;
  /** Thumbnail URLs by width in pixels, e.g. `{ "400": "/media/…/w400.jpg" }`. */
  readonly thumbnails?: Readonly<Record<string, string>> | null;
  readonly width?: number | null;
  readonly height?: number | null;
  readonly error?: string | null;
}

export interface PostSummary {
  readonly slug: string;
  readonly title: string;
  readonly excerpt?: string;
  readonly coverUrl?: string | null;
  readonly likes?: number;
  readonly publishedAt?: string | null;
}

export interface Post extends PostSummary {
  readonly body: string;
  readonly authorSub?: string;
  readonly authorName?: string;
  readonly updatedAt?: string | null;
  readonly commentCount?: number;
  readonly photos: readonly Photo[];
}

export interface PostPage {
  readonly posts: readonly PostSummary[];
  readonly nextCursor?: string | null;
}

export interface Comment {
  readonly id: string | number;
  readonly authorName: string;
  readonly body: string;
  readonly createdAt: string;
}

export interface CommentPage {
  readonly comments: readonly Comment[];
  readonly nextCursor?: string | null;
}

export interface LikeResult {
  readonly likes: number;
  readonly liked?: boolean;
}

export interface PresignedUpload {
  readonly key: string;
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Thumbnail widths, smallest first, as `srcset` candidates. */
export function srcset(thumbnails: Readonly<Record<string, string>> | null | undefined): string {
  return Object.entries(thumbnails ?? {})
    .map(([width, url]) => [Number(width), url] as const)
    .filter(([width]) => Number.isFinite(width) && width > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([width, url]) => `${url} ${width}w`)
    .join(", ");
}

/** The smallest thumbnail at least `minWidth` wide (or the largest there is). */
export function thumbnailFor(
  thumbnails: Readonly<Record<string, string>> | null | undefined,
  minWidth: number,
): string | undefined {
  const sorted = Object.entries(thumbnails ?? {})
    .map(([width, url]) => [Number(width), url] as const)
    .sort((a, b) => a[0] - b[0]);
  return (sorted.find(([width]) => width >= minWidth) ?? sorted[sorted.length - 1])?.[1];
}
