/**
 * Decoding, resizing, orientation and encoding with jimp's pure-JavaScript codecs (no native build per OS).
 *
 * The EXIF orientation is applied to each thumbnail after resizing rather than to the full-size bitmap, which
 * saves rotating tens of megabytes per photo. Decoding goes straight to the format's decoder (the header has
 * already told us the format), not through jimp's content sniffing.
 */
import jpeg from "@jimp/js-jpeg";
import type png from "@jimp/js-png";
import { methods as resizePlugin } from "@jimp/plugin-resize";
import type { ImageFormat } from "./image-header";
import { jpegOrientation } from "./metadata";

// jimp's own JPEG and PNG codecs and its resize plugin, called directly on bitmaps: exactly what a `Jimp` image
// runs for decode, resize and encode, without `@jimp/core`, whose content sniffing, EXIF parser, MIME and colour
// tables (≈ 150 KB) thumbnails never use and every cold start would load.
const jpegCodec = jpeg();
// The PNG codec (pngjs, with zlib and Node streams) is loaded with the first PNG: about a tenth of a cold start
// that uploads, mostly JPEG photos, seldom need.
let pngCodec: Promise<ReturnType<typeof png>> | undefined;
const loadPngCodec = () => (pngCodec ??= import("@jimp/js-png").then((module) => module.default()));

export interface Bitmap {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface RenderedThumbnail {
  /** Actual width (never more than the source: no upscaling). */
  readonly width: number;
  readonly height: number;
  /** The configured widths this rendition stands for (a 600 px photo serves both 1200 and 600 requests). */
  readonly forWidths: readonly number[];
  readonly body: Buffer;
  readonly contentType: "image/jpeg" | "image/png";
  readonly extension: "jpg" | "png";
}

export interface RenderedImage {
  /** Displayed dimensions, after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly thumbnails: readonly RenderedThumbnail[];
}

/** The decoder refused the bytes: the file is damaged (or lies about its type). */
export class ImageDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageDecodeError";
  }
}

export const JPEG_QUALITY = 82;

/**
 * Applies an EXIF orientation (1–8) to an RGBA bitmap: displayed pixel (x, y) comes from stored pixel (sx, sy).
 * 2 mirrors, 3 turns 180°, 4 flips, 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90° anticlockwise.
 */
export function orientBitmap(bitmap: Bitmap, orientation: number): Bitmap {
  if (orientation < 2 || orientation > 8) return bitmap;
  const { width: W, height: H, data } = bitmap;
  const swap = orientation >= 5;
  const width = swap ? H : W;
  const height = swap ? W : H;
  // One 32-bit word per RGBA pixel; slice() copies, so the source need not be 4-byte aligned.
  const pixels = new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + W * H * 4));
  const out = new Uint32Array(W * H);
  const source: (x: number, y: number) => number = {
    2: (x: number, y: number) => y * W + (W - 1 - x),
    3: (x: number, y: number) => (H - 1 - y) * W + (W - 1 - x),
    4: (x: number, y: number) => (H - 1 - y) * W + x,
    5: (x: number, y: number) => x * W + y,
    6: (x: number, y: number) => (H - 1 - x) * W + y,
    7: (x: number, y: number) => (H - 1 - x) * W + (W - 1 - y),
    8: (x: number, y: number) => x * W + (W - 1 - y),
  }[orientation]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = pixels[source(x, y)];
  }
  return { data: Buffer.from(out.buffer), width, height };
}

export async function decodeImage(bytes: Buffer, format: Exclude<ImageFormat, "webp">): Promise<Bitmap> {
  const codec = format === "jpeg" ? jpegCodec : await loadPngCodec();
  try {
    const bitmap = codec.decode(bytes, {});
    if (bitmap.data.length < bitmap.width * bitmap.height * 4)
      throw new Error("decoded fewer pixels than declared");
    return {
      data: Buffer.from(bitmap.data.buffer, bitmap.data.byteOffset, bitmap.data.byteLength),
      width: bitmap.width,
      height: bitmap.height,
    };
  } catch (err) {
    throw new ImageDecodeError(
      `The ${format.toUpperCase()} file cannot be decoded: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Renders one thumbnail per distinct target width, largest first, each resized from the previous one: the
 * full-size bitmap is resampled once, the smaller sizes come from a ~1200 px image.
 */
export async function renderThumbnails(
  bytes: Buffer,
  format: Exclude<ImageFormat, "webp">,
  widths: readonly number[],
): Promise<RenderedImage> {
  const orientation = format === "jpeg" ? jpegOrientation(bytes) : 1;
  // What jimp's resize works on: it reads and replaces `image.bitmap` and nothing else (the type asks for a whole
  // `Jimp` image; the thumbnail tests decode every output and check its size and pixels).
  const image = { bitmap: await decodeImage(bytes, format) };
  const jimpImage = image as unknown as Parameters<typeof resizePlugin.resize>[0];
  const swap = orientation >= 5;
  // Displayed dimensions: orientations 5–8 turn the stored image by 90°.
  const width = swap ? image.bitmap.height : image.bitmap.width;
  const height = swap ? image.bitmap.width : image.bitmap.height;

  const byTarget = new Map<number, number[]>();
  for (const requested of widths) {
    const target = Math.min(requested, width);
    byTarget.set(target, [...(byTarget.get(target) ?? []), requested]);
  }
  const thumbnails: RenderedThumbnail[] = [];
  for (const target of [...byTarget.keys()].sort((a, b) => b - a)) {
    // In place, largest first: the stored side that becomes the displayed width is resized to the target.
    if ((swap ? image.bitmap.height : image.bitmap.width) !== target)
      resizePlugin.resize(jimpImage, swap ? { h: target } : { w: target });
    const oriented = orientBitmap(image.bitmap, orientation);
    const body =
      format === "png"
        ? (await loadPngCodec()).encode(oriented, {})
        : jpegCodec.encode(oriented, { quality: JPEG_QUALITY });
    thumbnails.push({
      width: oriented.width,
      height: oriented.height,
      forWidths: byTarget.get(target)!.sort((a, b) => a - b),
      body: Buffer.from(body),
      contentType: format === "png" ? "image/png" : "image/jpeg",
      extension: format === "png" ? "png" : "jpg",
    });
  }
  return { width, height, thumbnails };
}
