/**
 * Photo records (DynamoDB photos table, written by the API at upload time and by the thumbnail function) as clients
 * see them: public URLs of their media objects instead of bucket keys.
 */

export type PhotoStatus = "pending" | "processing" | "ready" | "failed";

export interface PhotoRecord {
  readonly key: string;
  readonly status: PhotoStatus;
  readonly author?: string;
  readonly contentType?: string;
  /** Media bucket key of the original (re-encoded or copied). */
  readonly original?: string;
  /** Width → media bucket key. */
  readonly thumbnails?: Readonly<Record<string, string>>;
  readonly width?: number;
  readonly height?: number;
  readonly error?: string;
}

/** What clients get for a photo: URLs instead of bucket keys. */
export interface PhotoView {
  readonly key: string;
  readonly status: PhotoStatus;
  readonly width?: number;
  readonly height?: number;
  readonly originalUrl?: string;
  readonly thumbnails?: Readonly<Record<string, string>>;
}

/**
 * Media keys are `media/<author>/<folder>/<uuid>/…` (shared/author-folders.ts); CloudFront serves the media bucket
 * at `/media/*` with the path as is, so with MEDIA_BASE_URL `/media` a key maps to `/media/<author>/<folder>/<uuid>/…`.
 */
export function mediaUrl(baseUrl: string, mediaKey: string): string {
  return `${baseUrl}/${mediaKey.replace(/^media\//, "")}`;
}

export function photoView(baseUrl: string, key: string, record: PhotoRecord | undefined): PhotoView {
  if (!record) return { key, status: "pending" };
  const thumbnails = record.thumbnails
    ? Object.fromEntries(
        Object.entries(record.thumbnails).map(([width, media]) => [width, mediaUrl(baseUrl, media)]),
      )
    : undefined;
  return {
    key,
    status: record.status,
    width: record.width,
    height: record.height,
    originalUrl: record.original ? mediaUrl(baseUrl, record.original) : undefined,
    thumbnails,
  };
}

/** The smallest thumbnail's URL: what a list shows as a cover. */
export function smallestThumbnailUrl(baseUrl: string, record: PhotoRecord | undefined): string | null {
  if (!record || record.status !== "ready" || !record.thumbnails) return null;
  const widths = Object.keys(record.thumbnails).sort((a, b) => Number(a) - Number(b));
  return widths.length > 0 ? mediaUrl(baseUrl, record.thumbnails[widths[0]]) : null;
}
