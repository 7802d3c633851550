/**
 * thumbnail against real local services: s3rver (uploads and media buckets; its own S3 event notifications are
 * wrapped in SNS envelopes as SNS delivers them) and dynalite (photos table). Images are real files encoded by jimp.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SNSEvent } from "aws-lambda";
import { Jimp } from "jimp";
import { randomUUID } from "node:crypto";
import { parseUploadKey } from "../../../shared/author-folders";
import { startAwsLocal, type AwsLocal, type S3ObjectEvent } from "../../../local/aws-local";
import {
  createThumbnailHandler,
  MEDIA_CACHE_CONTROL,
  type ThumbnailDeps,
  type ThumbnailHandler,
} from "../../../handlers/thumbnail/app";
import { loadThumbnailConfig } from "../../../handlers/thumbnail/config";
import { MAX_UPLOAD_BYTES } from "../../../shared/contracts/limits";
import type { FunctionEnvironment } from "../../../lib/function-environment";
import { EventFormatError } from "../../../handlers/thumbnail/events";
import { PhotoStatusStore } from "../../../handlers/thumbnail/photos";
import { decodeImage, orientBitmap } from "../../../handlers/thumbnail/render";
import {
  bigEndianExifSegment,
  insertAfterSoi,
  pngWithHeader,
  webpLossless,
  withJpegDimensions,
} from "./fixtures";

const UPLOADS = "test-uploads";
const MEDIA = "test-media";
const PHOTOS = "photos-test";
const AUTHOR = "0f8fad5b-d9cb-469f-a165-70867728950e";
/** The author's Cognito identity folder (shared/author-folders.ts): its colon arrives URL-encoded in S3 events. */
const FOLDER = "eu-west-1:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
/** The media prefix of an upload key: `media/<author>/<folder>/<uuid>/` (shared/author-folders.ts). */
const mediaPrefix = (key: string) => {
  const parsed = parseUploadKey(key)!;
  return `media/${parsed.author}/${parsed.folder}/${parsed.id}/`;
};

describe("orientBitmap", () => {
  // Stored 3×2 image "a b c / d e f", one letter per pixel.
  const stored = { data: Buffer.from("aaaabbbbccccddddeeeeffff"), width: 3, height: 2 };
  const view = (bitmap: { data: Buffer; width: number; height: number }) =>
    Array.from({ length: bitmap.height }, (_, y) =>
      Array.from({ length: bitmap.width }, (_, x) =>
        String.fromCharCode(bitmap.data[(y * bitmap.width + x) * 4]),
      ).join(""),
    ).join("/");

  it.each([
    [1, "abc/def"],
    [2, "cba/fed"],
    [3, "fed/cba"],
    [4, "def/abc"],
    [5, "ad/be/cf"],
    [6, "da/eb/fc"],
    [7, "fc/eb/da"],
    [8, "cf/be/ad"],
  ])("orientation %i displays %s", (orientation, expected) => {
    expect(view(orientBitmap(stored, orientation))).toBe(expected);
  });
});

describe("loadThumbnailConfig", () => {
  it("applies defaults and names every invalid variable", () => {
    expect(loadThumbnailConfig({ UPLOADS_BUCKET: "u", MEDIA_BUCKET: "m", PHOTOS_TABLE: "p" })).toMatchObject({
      MAX_UPLOAD_BYTES,
      MAX_MEGAPIXELS: 40,
      THUMBNAIL_WIDTHS: [400, 1200],
    });
    expect(() =>
      loadThumbnailConfig({
        UPLOADS_BUCKET: "same",
        MEDIA_BUCKET: "same",
        MAX_MEGAPIXELS: "0",
        THUMBNAIL_WIDTHS: "400,abc",
      }),
    ).toThrow(
      'The thumbnail function\'s environment is invalid: PHOTOS_TABLE is not set; MAX_MEGAPIXELS: must be a whole number from 1 to 100, got "0"; ' +
        "THUMBNAIL_WIDTHS: must be a comma-separated list of whole numbers from 16 to 4096",
    );
    expect(() =>
      loadThumbnailConfig({ UPLOADS_BUCKET: "same", MEDIA_BUCKET: "same", PHOTOS_TABLE: "p" }),
    ).toThrow(
      "MEDIA_BUCKET: must differ from UPLOADS_BUCKET (the function never writes to the bucket that triggers it)",
    );
    expect(() =>
      loadThumbnailConfig({
        UPLOADS_BUCKET: "u",
        MEDIA_BUCKET: "m",
        PHOTOS_TABLE: "p",
        THUMBNAIL_WIDTHS: "400,400",
      }),
    ).toThrow("THUMBNAIL_WIDTHS: must not repeat a width");
  });
});

describe("thumbnail handler against s3rver and dynalite", () => {
  let aws: AwsLocal;
  let s3: S3Client;
  let dynamo: DynamoDBDocumentClient;
  let deps: ThumbnailDeps;
  let handler: ThumbnailHandler;
  const s3Events: S3ObjectEvent[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    aws = await startAwsLocal();
    Object.assign(process.env, aws.env);
    await aws.createTables({ photos: PHOTOS });
    await aws.createBuckets(UPLOADS, MEDIA);
    aws.onS3Event((event) => s3Events.push(event));
    s3 = new S3Client({ forcePathStyle: true });
    dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    deps = {
      s3,
      photos: new PhotoStatusStore(dynamo, PHOTOS),
      logger: new Logger({ serviceName: "thumbnail-test", logLevel: "SILENT" }),
      settings: {
        uploadsBucket: UPLOADS,
        mediaBucket: MEDIA,
        maxUploadBytes: 5 * 1024 * 1024,
        maxMegapixels: 40,
        widths: [400, 1200],
      },
    };
    handler = createThumbnailHandler(deps);
  });

  afterAll(async () => {
    process.env = savedEnv;
    await aws?.stop();
  });

  /** Uploads as the browser's presigned POST would (API's `pending` row first) and returns the SNS delivery. */
  async function upload(
    body: Buffer,
    contentType: string,
    extension: string,
    key = `uploads/${FOLDER}/${AUTHOR}/${randomUUID()}.${extension}`,
  ) {
    await dynamo.send(
      new PutCommand({ TableName: PHOTOS, Item: { key, status: "pending", author: AUTHOR, contentType } }),
    );
    const before = s3Events.length;
    await s3.send(new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: body, ContentType: contentType }));
    const s3Event = s3Events.slice(before).find((event) => event.Records[0].s3.object.key === key);
    if (!s3Event) throw new Error(`s3rver emitted no event for ${key}`);
    return { key, event: snsEvent(JSON.stringify(s3Event)) };
  }

  function snsEvent(...messages: string[]): SNSEvent {
    return {
      Records: messages.map((message) => ({
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:uploads:0b1c",
        Sns: {
          Type: "Notification",
          MessageId: randomUUID(),
          TopicArn: "arn:aws:sns:us-east-1:123456789012:uploads",
          Subject: "Amazon S3 Notification",
          Message: message,
          Timestamp: new Date().toISOString(),
          SignatureVersion: "1",
          Signature: "",
          SigningCertUrl: "",
          UnsubscribeUrl: "",
          MessageAttributes: {},
        },
      })),
    };
  }

  async function photo(key: string) {
    return (await dynamo.send(new GetCommand({ TableName: PHOTOS, Key: { key }, ConsistentRead: true })))
      .Item;
  }

  async function media(key: string) {
    const object = await s3.send(new GetObjectCommand({ Bucket: MEDIA, Key: key }));
    return {
      body: Buffer.from(await object.Body!.transformToByteArray()),
      contentType: object.ContentType,
      cacheControl: object.CacheControl,
    };
  }

  async function uploadsBucketKeys() {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: UPLOADS }))).Contents ?? []).map(
      (object) => object.Key,
    );
  }

  /** A landscape photo: left half red, right half blue. */
  function twoTone(width: number, height: number) {
    const image = new Jimp({ width, height, color: 0x0000ffff });
    for (let x = 0; x < width / 2; x++)
      for (let y = 0; y < height; y++) image.setPixelColor(0xff0000ff, x, y);
    return image;
  }

  it("publishes 400 and 1200 px JPEG thumbnails and the original, and marks the photo ready", async () => {
    const jpeg = await twoTone(1280, 800).getBuffer("image/jpeg", { quality: 90 });
    const { key, event } = await upload(jpeg, "image/jpeg", "jpg");
    const { id } = parseUploadKey(key)!;

    const result = await handler(event);
    const prefix = `media/${AUTHOR}/${FOLDER}/${id}/`;
    expect(result.outcomes).toEqual([
      { status: "ready", key, thumbnails: { "400": `${prefix}w400.jpg`, "1200": `${prefix}w1200.jpg` } },
    ]);
    const stored = await photo(key);
    expect(stored).toMatchObject({
      status: "ready",
      author: AUTHOR,
      contentType: "image/jpeg",
      original: `${prefix}original.jpg`,
      thumbnails: { "400": `${prefix}w400.jpg`, "1200": `${prefix}w1200.jpg` },
      width: 1280,
      height: 800,
      updatedAt: expect.any(String),
    });
    expect(stored?.error).toBeUndefined();

    for (const [width, height] of [
      [400, 250],
      [1200, 750],
    ]) {
      const thumbnail = await media(`${prefix}w${width}.jpg`);
      expect(thumbnail.contentType).toBe("image/jpeg");
      expect(thumbnail.cacheControl).toBe(MEDIA_CACHE_CONTROL);
      const decoded = await decodeImage(thumbnail.body, "jpeg");
      expect([decoded.width, decoded.height]).toEqual([width, height]);
    }
    const original = await media(`${prefix}original.jpg`);
    expect(original.body.equals(jpeg)).toBe(true); // no metadata to strip: byte for byte
    expect(await uploadsBucketKeys()).toEqual([key]); // never writes to the uploads bucket
  });

  it("applies the EXIF orientation and publishes an original without the other metadata", async () => {
    const stored = await twoTone(600, 400).getBuffer("image/jpeg", { quality: 95 });
    // Orientation 6: the camera was turned; displayed, the photo is 400×600 with the red half on top.
    const jpeg = insertAfterSoi(stored, bigEndianExifSegment(6, { gps: true }));
    const { key, event } = await upload(jpeg, "image/jpeg", "jpeg");

    const [outcome] = (await handler(event)).outcomes;
    expect(outcome.status).toBe("ready");
    expect(await photo(key)).toMatchObject({ width: 400, height: 600 });
    const thumbnails = (outcome as { thumbnails: Record<string, string> }).thumbnails;
    expect(thumbnails["400"]).toBe(thumbnails["1200"]); // 400 px wide already: no upscaling, one file
    expect(thumbnails["400"]).toMatch(/\/w400\.jpg$/);
    const decoded = await decodeImage((await media(thumbnails["400"])).body, "jpeg");
    expect([decoded.width, decoded.height]).toEqual([400, 600]);
    const pixel = (x: number, y: number) =>
      decoded.data.subarray((y * decoded.width + x) * 4, (y * decoded.width + x) * 4 + 3);
    const [topR, , topB] = pixel(200, 100);
    const [bottomR, , bottomB] = pixel(200, 500);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(60);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(60);

    const original = await media(`${mediaPrefix(key)}original.jpg`);
    expect(original.body.includes(Buffer.from("GPS-SECRET"))).toBe(false);
    expect(original.body.length).toBeLessThan(jpeg.length);
  });

  it("keeps PNG as PNG (transparency) and never upscales a small image", async () => {
    const image = new Jimp({ width: 500, height: 300, color: 0x00ff0080 });
    const { key, event } = await upload(await image.getBuffer("image/png"), "image/png", "png");
    const [outcome] = (await handler(event)).outcomes;
    const prefix = mediaPrefix(key);
    expect(outcome).toEqual({
      status: "ready",
      key,
      thumbnails: { "400": `${prefix}w400.png`, "1200": `${prefix}w500.png` },
    });
    const small = await media(`${prefix}w400.png`);
    expect(small.contentType).toBe("image/png");
    const decoded = await decodeImage(small.body, "png");
    expect([decoded.width, decoded.height, decoded.data[3]]).toEqual([400, 240, 0x80]);
    expect((await decodeImage((await media(`${prefix}w500.png`)).body, "png")).width).toBe(500);
  });

  it("marks a corrupt JPEG failed without throwing (no endless retries)", async () => {
    const jpeg = await twoTone(300, 200).getBuffer("image/jpeg");
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 3));
    const { key, event } = await upload(truncated, "image/jpeg", "jpg");
    const [outcome] = (await handler(event)).outcomes;
    expect(outcome).toMatchObject({ status: "failed", reason: "corrupt" });
    expect(await photo(key)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^The JPEG file cannot be decoded: /),
    });
  });

  it("refuses a header that claims 100000×100000 pixels before decoding it", async () => {
    const bomb = pngWithHeader(100_000, 100_000);
    const { key, event } = await upload(bomb, "image/png", "png");
    const started = process.hrtime.bigint();
    const [outcome] = (await handler(event)).outcomes;
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
    expect(outcome).toEqual({
      status: "failed",
      key,
      reason: "too-many-pixels",
      error: "The image is 100000×100000 (10000.0 MP); the limit is 40 MP",
    });
    expect(await photo(key)).toMatchObject({
      status: "failed",
      error: outcome.status === "failed" ? outcome.error : "",
    });
  });

  it("refuses a JPEG whose frame header claims 60000×60000 pixels, and a WebP it cannot decode", async () => {
    const small = await twoTone(40, 20).getBuffer("image/jpeg");
    const bomb = await upload(withJpegDimensions(small, 60_000, 60_000), "image/jpeg", "jpg");
    expect((await handler(bomb.event)).outcomes).toEqual([
      {
        status: "failed",
        key: bomb.key,
        reason: "too-many-pixels",
        error: "The image is 60000×60000 (3600.0 MP); the limit is 40 MP",
      },
    ]);
    const hugeWebp = await upload(webpLossless(16_000, 16_000), "image/webp", "webp");
    expect((await handler(hugeWebp.event)).outcomes[0]).toMatchObject({ reason: "too-many-pixels" });
    const webp = await upload(webpLossless(640, 480), "image/webp", "webp");
    expect((await handler(webp.event)).outcomes).toEqual([
      {
        status: "failed",
        key: webp.key,
        reason: "unsupported-type",
        error: "WebP images cannot be decoded for thumbnails yet; upload a JPEG or PNG",
      },
    ]);
  });

  it.each([
    [
      "a file that is not an image",
      Buffer.from("just some text"),
      "image/png",
      "png",
      "unsupported-type",
      "Not a JPEG, PNG or WebP image",
    ],
    [
      "a JPEG declared as PNG",
      null,
      "image/png",
      "png",
      "type-mismatch",
      "Declared as image/png but the file is image/jpeg",
    ],
    [
      "a GIF content type",
      Buffer.from("GIF89a"),
      "image/gif",
      "png",
      "unsupported-type",
      'Content type "image/gif" is not supported; upload a JPEG, PNG or WebP image',
    ],
    [
      "a file over the size limit",
      Buffer.alloc(5 * 1024 * 1024 + 1),
      "image/jpeg",
      "jpg",
      "too-large",
      "The file is 5.0 MB; the limit is 5.0 MB",
    ],
  ])("marks %s failed with a specific reason", async (_what, body, contentType, extension, reason, error) => {
    const bytes = body ?? (await twoTone(40, 20).getBuffer("image/jpeg"));
    const { key, event } = await upload(bytes, contentType, extension);
    expect((await handler(event)).outcomes).toEqual([{ status: "failed", key, reason, error }]);
    expect(await photo(key)).toMatchObject({ status: "failed", error });
  });

  it("marks an upload with an unexpected key layout failed, and ignores other buckets, prefixes and deletions", async () => {
    const { key, event } = await upload(
      Buffer.from("x"),
      "image/jpeg",
      "jpg",
      `uploads/${FOLDER}/${AUTHOR}/not-a-uuid.jpg`,
    );
    expect((await handler(event)).outcomes).toEqual([
      {
        status: "failed",
        key,
        reason: "invalid-key",
        error: "The key is not uploads/<identity id or presigned>/<author>/<uuid>.<jpg|png|webp>",
      },
    ]);
    const other = (bucket: string, objectKey: string, eventName = "ObjectCreated:Put") =>
      JSON.stringify({
        Records: [{ eventName, s3: { bucket: { name: bucket }, object: { key: objectKey, size: 1 } } }],
      });
    const result = await handler(
      snsEvent(
        other(MEDIA, `media/${AUTHOR}/x/w400.jpg`),
        other(UPLOADS, "elsewhere/a.jpg"),
        other(UPLOADS, key, "ObjectRemoved:Delete"),
        JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: UPLOADS }),
      ),
    );
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(["ignored", "ignored", "ignored"]);
  });

  it("never lets one folder's upload overwrite another's media, even naming the same author and uuid", async () => {
    // Another identity writes into its own folder a key with this author's sub and the uuid of this author's
    // photo, both visible in the photo's public media URL.
    const image = await new Jimp({ width: 500, height: 300, color: 0x3366ccff }).getBuffer("image/png");
    const own = await upload(image, "image/png", "png");
    const { id } = parseUploadKey(own.key)!;
    await handler(own.event);
    const published = await media(`media/${AUTHOR}/${FOLDER}/${id}/w400.png`);

    const otherFolder = "eu-west-1:0a0b0c0d-1e2f-4a5b-8c6d-7e8f9a0b1c2d";
    const forged = await upload(
      await new Jimp({ width: 500, height: 300, color: 0xff0000ff }).getBuffer("image/png"),
      "image/png",
      "png",
      `uploads/${otherFolder}/${AUTHOR}/${id}.png`,
    );
    const [outcome] = (await handler(forged.event)).outcomes;
    expect(outcome).toMatchObject({
      status: "ready",
      thumbnails: { "400": `media/${AUTHOR}/${otherFolder}/${id}/w400.png` },
    });
    const after = await media(`media/${AUTHOR}/${FOLDER}/${id}/w400.png`);
    expect(after.body.equals(published.body)).toBe(true);
  });

  it("decodes URL-encoded keys from S3 events", async () => {
    const key = `uploads/${FOLDER}/${AUTHOR}/${randomUUID()}.png`;
    await s3.send(
      new PutObjectCommand({
        Bucket: UPLOADS,
        Key: key,
        Body: pngWithHeader(0, 0),
        ContentType: "image/png",
      }),
    );
    const encoded = JSON.stringify({
      Records: [
        {
          eventName: "ObjectCreated:Post",
          s3: { bucket: { name: UPLOADS }, object: { key: encodeURIComponent(key) } },
        },
      ],
    });
    expect((await handler(snsEvent(encoded))).outcomes).toEqual([
      { status: "failed", key, reason: "corrupt", error: "PNG header declares an empty image (0×0)" },
    ]);
  });

  it("throws on messages that are not S3 events, so they reach the on-failure destination", async () => {
    await expect(handler(snsEvent("not json"))).rejects.toThrow(EventFormatError);
    await expect(handler(snsEvent(JSON.stringify({ hello: "world" })))).rejects.toThrow(
      /^SNS record 0 \(.+\) is not an S3 event notification$/,
    );
  });

  it("throws on S3 or DynamoDB errors so that SNS retries, leaving the photo in processing", async () => {
    const jpeg = await twoTone(100, 100).getBuffer("image/jpeg");
    const { key, event } = await upload(jpeg, "image/jpeg", "jpg");
    const noMediaBucket = createThumbnailHandler({
      ...deps,
      settings: { ...deps.settings, mediaBucket: "missing-media-bucket" },
    });
    await expect(noMediaBucket(event)).rejects.toMatchObject({ name: "NoSuchBucket" });
    expect(await photo(key)).toMatchObject({ status: "processing" });

    const noTable = createThumbnailHandler({
      ...deps,
      photos: new PhotoStatusStore(dynamo, "missing-photos-table"),
    });
    await expect(noTable(event)).rejects.toMatchObject({ name: "ResourceNotFoundException" });

    // The retry with everything in place succeeds.
    expect((await handler(event)).outcomes[0].status).toBe("ready");
  });

  it("index.ts wires the same handler from the environment", async () => {
    const jpeg = await twoTone(800, 600).getBuffer("image/jpeg");
    const { key, event } = await upload(jpeg, "image/jpeg", "jpg");
    const variables: FunctionEnvironment<"thumbnail"> = {
      UPLOADS_BUCKET: UPLOADS,
      MEDIA_BUCKET: MEDIA,
      PHOTOS_TABLE: PHOTOS,
      LOG_LEVEL: "SILENT",
    };
    Object.assign(process.env, variables);
    const entry = jest.requireActual<typeof import("../../../handlers/thumbnail/index")>(
      "../../../handlers/thumbnail/index",
    );
    const [outcome] = (await entry.handler(event)).outcomes;
    expect(outcome.status).toBe("ready");
    expect(await photo(key)).toMatchObject({ status: "ready", width: 800, height: 600 });
  });
});
