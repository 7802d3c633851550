/** The shapes the blog API answers with, as the pages use them. */

export type PhotoStatus = "pending" | "processing" | "ready" | "failed";

export interface Photo {
  /** The uploads object key (layout in shared/author-folders.ts). */
  readonly key: string;
  readonly status: PhotoStatus;
  readonly originalUrl?: string | null;
  /** Thumbnail URLs by width in pixels, e.g. `{ "400": "/media/…/w400.jpg" }`. */
  readonly thumbnails?: Readonly<Record<string, string>> | null;
  readonly width?: number | null;
  readonly height?: number | null;
  readonly error?: string | null;
}

/** An entry of `GET /api/posts`. */
export interface PostSummary {
  readonly slug: string;
  readonly title: string;
  readonly excerpt?: string;
  /** The cover's smallest thumbnail, once it is ready. */
  readonly coverThumbnailUrl?: string | null;
  readonly likes?: number;
  readonly publishedAt?: string | null;
}

/** `GET /api/posts/{slug}` (and the answer to create and update). */
export interface Post {
  readonly slug: string;
  readonly title: string;
  readonly excerpt?: string;
  readonly body: string;
  readonly author?: { readonly name?: string };
  readonly publishedAt?: string | null;
  readonly updatedAt?: string | null;
  readonly cover?: Photo | null;
  readonly photos: readonly Photo[];
  readonly likes?: number;
  /** Number of comments. */
  readonly comments?: number;
}

export interface PostPage {
  readonly posts: readonly PostSummary[];
  readonly nextCursor?: string | null;
}

export interface Comment {
  readonly id: string | number;
  readonly name: string;
  readonly body: string;
  readonly createdAt: string;
}

export interface CommentPage {
  readonly comments: readonly Comment[];
  readonly nextCursor?: string | null;
}

export interface LikeResult {
  readonly likes: number;
  readonly alreadyLiked?: boolean;
}

export interface PresignedUpload {
  readonly key: string;
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly maxBytes?: number;
  readonly expiresAt?: string;
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
