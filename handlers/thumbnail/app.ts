/**
 * The thumbnail core: for each uploaded object under `uploads/`, validate it (size, type, header dimensions),
 * render thumbnails, publish them and the metadata-free original to the media bucket, and record the status.
 *
 * Failure policy: a file that can never be processed (too large, wrong type, corrupt, too many pixels) is marked
 * `failed` with a reason and the invocation succeeds, so SNS does not retry it. S3 and DynamoDB errors are
 * transient: they are thrown, SNS/Lambda retry the invocation, and the on-failure destination keeps what still fails.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SNSEvent } from "aws-lambda";
import { parseNotifications, type UploadedObject } from "./events";
import { CONTENT_TYPES, ImageHeaderError, readImageHeader } from "./image-header";
import { stripMetadata } from "./metadata";
import type { PhotoStatusStore } from "./photos";
import { ImageDecodeError, renderThumbnails } from "./render";
import { mediaPrefix, parseUploadKey } from "../../shared/author-folders";
import type { ImageExtension } from "../../shared/contracts/limits";

export interface ThumbnailSettings {
  readonly uploadsBucket: string;
  readonly mediaBucket: string;
  readonly maxUploadBytes: number;
  readonly maxMegapixels: number;
  readonly widths: readonly number[];
}

export interface ThumbnailDeps {
  readonly s3: S3Client;
  readonly photos: PhotoStatusStore;
  readonly logger: Logger;
  readonly settings: ThumbnailSettings;
}

export type RejectionReason =
  | "invalid-key"
  | "missing"
  | "too-large"
  | "unsupported-type"
  | "type-mismatch"
  | "too-many-pixels"
  | "corrupt";

/** The upload can never become a photo; retrying would not change that. */
export class PhotoRejectedError extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
    this.name = "PhotoRejectedError";
  }
}

export type UploadOutcome =
  | { readonly status: "ready"; readonly key: string; readonly thumbnails: Readonly<Record<string, string>> }
  | {
      readonly status: "failed";
      readonly key: string;
      readonly reason: RejectionReason;
      readonly error: string;
    }
  | { readonly status: "ignored"; readonly key: string; readonly why: string };

/** Immutable: every upload gets a fresh UUID, so a media key never changes content. */
export const MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable";

/** The upload extensions a photo can have (the API names keys after the content type it allowed). */
const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  "jpg",
  "jpeg",
  "png",
  "webp",
] satisfies ImageExtension[]);

const FILE_EXTENSIONS = { jpeg: "jpg", png: "png", webp: "webp" } as const;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === "NotFound" || name === "NoSuchKey";
}

async function readUpload(deps: ThumbnailDeps, key: string): Promise<{ bytes: Buffer; contentType: string }> {
  const { s3, settings } = deps;
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: settings.uploadsBucket, Key: key }));
  } catch (err) {
    if (isNotFound(err)) throw new PhotoRejectedError("missing", "The upload no longer exists");
    throw err;
  }
  const size = head.ContentLength ?? 0;
  if (size > settings.maxUploadBytes) {
    throw new PhotoRejectedError(
      "too-large",
      `The file is ${mb(size)}; the limit is ${mb(settings.maxUploadBytes)}`,
    );
  }
  const contentType = (head.ContentType ?? "").split(";")[0].trim().toLowerCase();
  if (!Object.values(CONTENT_TYPES).includes(contentType)) {
    throw new PhotoRejectedError(
      "unsupported-type",
      `Content type "${contentType || "none"}" is not supported; upload a JPEG, PNG or WebP image`,
    );
  }
  const object = await s3.send(new GetObjectCommand({ Bucket: settings.uploadsBucket, Key: key }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  // The object may have been replaced between the two calls: trust only the bytes in hand.
  if (bytes.length > settings.maxUploadBytes) {
    throw new PhotoRejectedError(
      "too-large",
      `The file is ${mb(bytes.length)}; the limit is ${mb(settings.maxUploadBytes)}`,
    );
  }
  return { bytes, contentType };
}

async function publish(deps: ThumbnailDeps, key: string, body: Buffer, contentType: string): Promise<void> {
  if (!key.startsWith("media/")) throw new Error(`Refusing to write outside media/: ${key}`);
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.settings.mediaBucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      CacheControl: MEDIA_CACHE_CONTROL,
    }),
  );
}

/** Turns one upload into published thumbnails; throws only for transient (retryable) failures. */
export async function processUpload(deps: ThumbnailDeps, upload: UploadedObject): Promise<UploadOutcome> {
  const { settings, photos } = deps;
  const { key } = upload;
  if (upload.bucket !== settings.uploadsBucket || !key.startsWith("uploads/")) {
    return { status: "ignored", key, why: `not under ${settings.uploadsBucket}/uploads/` };
  }
  if (!upload.eventName.startsWith("ObjectCreated:"))
    return { status: "ignored", key, why: upload.eventName };

  const parsed = parseUploadKey(key);
  try {
    if (!parsed || !PHOTO_EXTENSIONS.has(parsed.extension))
      throw new PhotoRejectedError(
        "invalid-key",
        "The key is not uploads/<identity id or presigned>/<author>/<uuid>.<jpg|png|webp>",
      );
    const { author } = parsed;
    await photos.markProcessing(key, author);

    const { bytes, contentType } = await readUpload(deps, key);
    let header;
    try {
      header = readImageHeader(bytes);
    } catch (err) {
      if (err instanceof ImageHeaderError) {
        throw new PhotoRejectedError(err.reason === "corrupt" ? "corrupt" : "unsupported-type", err.message);
      }
      throw err;
    }
    if (CONTENT_TYPES[header.format] !== contentType) {
      throw new PhotoRejectedError(
        "type-mismatch",
        `Declared as ${contentType} but the file is ${CONTENT_TYPES[header.format]}`,
      );
    }
    // Before decoding: a small file can declare a huge canvas (decompression bomb).
    const megapixels = (header.width * header.height) / 1_000_000;
    if (megapixels > settings.maxMegapixels) {
      throw new PhotoRejectedError(
        "too-many-pixels",
        `The image is ${header.width}×${header.height} (${megapixels.toFixed(1)} MP); the limit is ${settings.maxMegapixels} MP`,
      );
    }
    if (header.format === "webp") {
      throw new PhotoRejectedError(
        "unsupported-type",
        "WebP images cannot be decoded for thumbnails yet; upload a JPEG or PNG",
      );
    }

    let rendered;
    try {
      rendered = await renderThumbnails(bytes, header.format, settings.widths);
    } catch (err) {
      if (err instanceof ImageDecodeError) throw new PhotoRejectedError("corrupt", err.message);
      throw err;
    }

    const prefix = mediaPrefix(parsed);
    const thumbnails: Record<string, string> = {};
    for (const thumbnail of rendered.thumbnails) {
      const mediaKey = `${prefix}w${thumbnail.width}.${thumbnail.extension}`;
      await publish(deps, mediaKey, thumbnail.body, thumbnail.contentType);
      for (const width of thumbnail.forWidths) thumbnails[String(width)] = mediaKey;
    }
    const original = `${prefix}original.${FILE_EXTENSIONS[header.format]}`;
    await publish(deps, original, stripMetadata(header.format, bytes), contentType);

    await photos.markReady(key, {
      contentType,
      original,
      thumbnails,
      width: rendered.width,
      height: rendered.height,
    });
    return { status: "ready", key, thumbnails };
  } catch (err) {
    if (!(err instanceof PhotoRejectedError)) throw err;
    await photos.markFailed(key, err.message, parsed?.author);
    return { status: "failed", key, reason: err.reason, error: err.message };
  }
}

export type ThumbnailHandler = (event: SNSEvent) => Promise<{ outcomes: UploadOutcome[] }>;

export function createThumbnailHandler(deps: ThumbnailDeps): ThumbnailHandler {
  const { logger } = deps;
  return async (event) => {
    const { objects, testEvents } = parseNotifications(event);
    if (testEvents > 0) logger.info("Ignoring S3 test event", { testEvents });
    const outcomes: UploadOutcome[] = [];
    const transient: unknown[] = [];
    // One image at a time: decoded bitmaps are large, and Lambda memory is per invocation.
    for (const upload of objects) {
      try {
        const outcome = await processUpload(deps, upload);
        outcomes.push(outcome);
        if (outcome.status === "failed") logger.warn("Upload rejected", { ...outcome });
        else if (outcome.status === "ignored") logger.warn("Notification ignored", { ...outcome });
        else logger.info("Thumbnails published", { ...outcome });
      } catch (err) {
        logger.error("Thumbnail processing failed; the invocation will be retried", {
          bucket: upload.bucket,
          key: upload.key,
          error: err as Error,
        });
        transient.push(err);
      }
    }
    // The whole notification is retried; uploads already done are simply redone (same keys, same bytes).
    if (transient.length === 1) throw transient[0];
    if (transient.length > 1)
      throw new AggregateError(transient, `${transient.length} uploads failed transiently`);
    return { outcomes };
  };
}
