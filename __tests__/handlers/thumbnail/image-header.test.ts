/** Header parsing and metadata stripping on real files encoded by jimp, plus hand-built headers. */
import { Jimp } from "jimp";
import { ImageHeaderError, readImageHeader } from "../../../handlers/thumbnail/image-header";
import { exifOrientationSegment, jpegOrientation, stripMetadata } from "../../../handlers/thumbnail/metadata";
import { decodeImage, renderThumbnails } from "../../../handlers/thumbnail/render";
import { bigEndianExifSegment, insertAfterSoi, pngChunk, pngWithHeader } from "./fixtures";

async function encoded(mime: "image/jpeg" | "image/png", width: number, height: number): Promise<Buffer> {
  return new Jimp({ width, height, color: 0x3366ccff }).getBuffer(mime);
}

function webp(chunk: string, payload: number[]): Buffer {
  const body = Buffer.concat([
    Buffer.from(chunk, "latin1"),
    Buffer.alloc(4),
    Buffer.from(payload),
    Buffer.alloc(16),
  ]);
  return Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WEBP"), body]);
}

describe("readImageHeader", () => {
  it("reads JPEG dimensions from the SOF segment, past APP segments", async () => {
    const jpeg = insertAfterSoi(await encoded("image/jpeg", 321, 123), bigEndianExifSegment(6));
    expect(readImageHeader(jpeg)).toEqual({ format: "jpeg", width: 321, height: 123 });
  });

  it("reads PNG dimensions from IHDR", async () => {
    expect(readImageHeader(await encoded("image/png", 17, 900))).toEqual({
      format: "png",
      width: 17,
      height: 900,
    });
    expect(readImageHeader(pngWithHeader(100_000, 100_000))).toEqual({
      format: "png",
      width: 100_000,
      height: 100_000,
    });
  });

  it("reads WebP lossy, lossless and extended headers", () => {
    // VP8: frame tag, start code 9D 01 2A, 14-bit width 640 and height 480 (little-endian).
    expect(readImageHeader(webp("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]))).toEqual({
      format: "webp",
      width: 640,
      height: 480,
    });
    // VP8L: signature 2F, then (width-1) | (height-1) << 14 = 99 | 49 << 14.
    const bits = 99 | (49 << 14);
    expect(
      readImageHeader(webp("VP8L", [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, bits >>> 24])),
    ).toEqual({
      format: "webp",
      width: 100,
      height: 50,
    });
    // VP8X: flags + 3 reserved bytes, then 24-bit (width-1) = 19999 and (height-1) = 9999.
    expect(readImageHeader(webp("VP8X", [0, 0, 0, 0, 0x1f, 0x4e, 0x00, 0x0f, 0x27, 0x00]))).toEqual({
      format: "webp",
      width: 20_000,
      height: 10_000,
    });
  });

  it("refuses unknown, truncated and inconsistent files with specific errors", async () => {
    const reject = (bytes: Buffer) => {
      try {
        readImageHeader(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(ImageHeaderError);
        return `${(err as ImageHeaderError).reason}: ${(err as Error).message}`;
      }
      throw new Error("accepted");
    };
    expect(reject(Buffer.from("GIF89a......"))).toBe("unsupported-format: Not a JPEG, PNG or WebP image");
    expect(reject(Buffer.alloc(0))).toBe("unsupported-format: Not a JPEG, PNG or WebP image");
    const jpeg = await encoded("image/jpeg", 10, 10);
    expect(reject(jpeg.subarray(0, 20))).toBe("corrupt: JPEG ends before its frame header");
    expect(reject(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0]))).toBe(
      "corrupt: JPEG has no frame header before its image data",
    );
    expect(reject(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0, 0]))).toBe(
      "corrupt: JPEG segment at byte 2 has an invalid length 0",
    );
    expect(reject(pngWithHeader(0, 10))).toBe("corrupt: PNG header declares an empty image (0×10)");
    expect(reject((await encoded("image/png", 4, 4)).subarray(0, 20))).toBe(
      "corrupt: PNG is truncated before its IHDR chunk",
    );
    expect(reject(webp("VP8 ", [0, 0, 0, 1, 2, 3]))).toBe("corrupt: WebP VP8 start code is missing");
    expect(reject(webp("ABCD", []))).toBe('corrupt: WebP has an unknown first chunk "ABCD"');
  });
});

describe("metadata stripping", () => {
  it("drops EXIF, XMP and comments from a JPEG but keeps its orientation and pixels", async () => {
    const plain = await encoded("image/jpeg", 30, 20);
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x0a]), Buffer.from("secret!!")]);
    const tagged = insertAfterSoi(plain, Buffer.concat([bigEndianExifSegment(6, { gps: true }), comment]));
    expect(jpegOrientation(tagged)).toBe(6);

    const stripped = stripMetadata("jpeg", tagged);
    expect(stripped.includes(Buffer.from("secret!!"))).toBe(false);
    expect(stripped.includes(Buffer.from("GPS-SECRET"))).toBe(false);
    expect(jpegOrientation(stripped)).toBe(6);
    expect(stripped.subarray(2, 2 + exifOrientationSegment(6).length)).toEqual(exifOrientationSegment(6));
    // The image data is untouched: the rest of the file is the original after its own APP0 segment.
    expect(stripped.subarray(-200)).toEqual(plain.subarray(-200));
    const rendered = await renderThumbnails(stripped, "jpeg", [400]);
    expect([rendered.width, rendered.height]).toEqual([20, 30]);
    expect(stripMetadata("jpeg", plain)).toEqual(plain);
  });

  it("drops text and EXIF chunks from a PNG", async () => {
    const png = await encoded("image/png", 8, 8);
    const text = pngChunk("tEXt", Buffer.from("Location\0Home, 1 Secret Street"));
    const withText = Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
    const stripped = stripMetadata("png", withText);
    expect(stripped).toEqual(png);
    expect((await decodeImage(stripped, "png")).width).toBe(8);
  });
});
