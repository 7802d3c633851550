/** Presigned POSTs for browser uploads straight to the uploads bucket. */
import { createPresignedPost, type S3Signing } from "./presigned-post";
import { randomUUID } from "crypto";
import { PRESIGNED_FOLDER, uploadKey } from "../../shared/author-folders";
import type { UPLOAD_IMAGE_TYPES } from "../../shared/contracts/limits";
import { PayloadTooLargeError, UnsupportedMediaTypeError } from "../shared/errors";

/**
 * Image types a deployment may allow, with the object key extension each gets: those of shared/contracts/limits.ts
 * (the literal stays in the bundle as it was; the compiler refuses any difference).
 */
export const EXTENSION_BY_CONTENT_TYPE: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/png": "png",
} satisfies typeof UPLOAD_IMAGE_TYPES;

/** Long enough to pick a file and upload it on a slow link, short enough to be useless if leaked. */
export const UPLOAD_URL_LIFETIME_SECONDS = 300;

export interface UploadPolicy {
  readonly bucket: string;
  readonly maxBytes: number;
  readonly contentTypes: readonly string[];
}

export interface PresignedUpload {
  readonly key: string;
  readonly url: string;
  readonly fields: Record<string, string>;
  readonly maxBytes: number;
  readonly expiresAt: string;
}

/** Checks the request against the policy (no I/O): 415 for a type not allowed, 413 for a file too large. */
export function checkUpload(policy: UploadPolicy, contentType: string, size: number): string {
  const normalised = contentType.trim().toLowerCase();
  if (!policy.contentTypes.includes(normalised)) {
    throw new UnsupportedMediaTypeError(`Uploads must be one of: ${policy.contentTypes.join(", ")}`, {
      code: "unsupported_upload_type",
      details: [{ path: "body.contentType", message: `"${contentType.slice(0, 100)}" is not allowed` }],
    });
  }
  if (size > policy.maxBytes) {
    throw new PayloadTooLargeError(`Uploads are limited to ${policy.maxBytes} bytes`, {
      code: "upload_too_large",
      details: [{ path: "body.size", message: `${size} exceeds ${policy.maxBytes}` }],
    });
  }
  return normalised;
}

export async function presignUpload(
  s3: S3Signing,
  policy: UploadPolicy,
  authorSub: string,
  contentType: string,
  size: number,
): Promise<PresignedUpload> {
  const key = uploadKey({
    folder: PRESIGNED_FOLDER,
    author: authorSub,
    id: randomUUID(),
    extension: EXTENSION_BY_CONTENT_TYPE[contentType],
  });
  const { url, fields } = await createPresignedPost(s3, {
    bucket: policy.bucket,
    key,
    conditions: [
      // The browser declared the size: the object may not be larger than that.
      ["content-length-range", 1, size],
      ["eq", "$Content-Type", contentType],
    ],
    fields: { "Content-Type": contentType },
    expiresSeconds: UPLOAD_URL_LIFETIME_SECONDS,
  });
  return {
    key,
    url,
    fields,
    maxBytes: size,
    expiresAt: new Date(Date.now() + UPLOAD_URL_LIFETIME_SECONDS * 1000).toISOString(),
  };
}
