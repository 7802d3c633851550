/**
 * What an upload event says about its object, decided once: the author, content class and size class that the
 * uploads topic's filter policies select on (lib/upload-subscriptions.ts) and the upload-stats function counts.
 * S3 event notifications carry no message attributes and no content type, so each class is read from the event
 * body: the author from the key (shared/author-folders.ts), the content class from the key's extension (the API names
 * every key after the content type its presigned POST pins), the size class from `s3.object.size`.
 */

import { authorOfObject } from "../../shared/author-folders";
import type { IMAGE_EXTENSIONS as DECLARED_IMAGE_EXTENSIONS } from "../../shared/contracts/limits";

export { UPLOADS_PREFIX } from "../../shared/author-folders";

/**
 * Extensions of the image types the thumbnail function reads: those of shared/contracts/limits.ts (the literal stays in
 * the bundles as it was; the compiler refuses any difference).
 */
export const IMAGE_EXTENSIONS = [
  ".jpg",
  ".jpeg",
  ".png",
  ".webp",
] as const satisfies typeof DECLARED_IMAGE_EXTENSIONS;

export type ContentClass = "image" | "other";

/** Upper bounds (inclusive) of the size classes, in bytes; above the last is `large`. */
export const SIZE_CLASS_LIMITS = { small: 1024 * 1024, medium: 5 * 1024 * 1024 } as const;

export type SizeClass = keyof typeof SIZE_CLASS_LIMITS | "large";

export function contentClassOf(key: string): ContentClass {
  return IMAGE_EXTENSIONS.some((extension) => key.endsWith(extension)) ? "image" : "other";
}

export function sizeClassOf(bytes: number): SizeClass {
  if (bytes <= SIZE_CLASS_LIMITS.small) return "small";
  if (bytes <= SIZE_CLASS_LIMITS.medium) return "medium";
  return "large";
}

/** The author of an object under `uploads/` (either layout of shared/author-folders.ts), else undefined. */
export function authorOf(key: string): string | undefined {
  return authorOfObject(key);
}
