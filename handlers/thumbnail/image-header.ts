/**
 * Image type and dimensions read from the first bytes of a file, without decoding it: the megapixel limit is
 * enforced before a decoder allocates width × height × 4 bytes (decompression bombs). JPEG (SOF segment),
 * PNG (IHDR chunk) and WebP (VP8 / VP8L / VP8X chunks).
 */

export type ImageFormat = "jpeg" | "png" | "webp";

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

export interface ImageHeader {
  readonly format: ImageFormat;
  /** Stored dimensions, before any EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
}

/** The bytes are not an image of a supported type, or its header is inconsistent. */
export class ImageHeaderError extends Error {
  constructor(
    readonly reason: "unsupported-format" | "corrupt",
    message: string,
  ) {
    super(message);
    this.name = "ImageHeaderError";
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function corrupt(message: string): never {
  throw new ImageHeaderError("corrupt", message);
}

function checkedDimensions(format: ImageFormat, width: number, height: number): ImageHeader {
  if (width < 1 || height < 1)
    corrupt(`${format.toUpperCase()} header declares an empty image (${width}×${height})`);
  return { format, width, height };
}

/** Start-of-frame markers carry the frame size: every SOFn except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpeg(bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) corrupt(`JPEG segment marker expected at byte ${offset}`);
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM and RST0–7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    const length = view.getUint16(offset + 2);
    if (length < 2) corrupt(`JPEG segment at byte ${offset} has an invalid length ${length}`);
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length || length < 7) corrupt("JPEG frame header is truncated");
      return checkedDimensions("jpeg", view.getUint16(offset + 7), view.getUint16(offset + 5));
    }
    if (marker === 0xda || marker === 0xd9) corrupt("JPEG has no frame header before its image data");
    offset += 2 + length;
  }
  return corrupt("JPEG ends before its frame header");
}

function readPng(bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) corrupt("PNG is truncated before its IHDR chunk");
  const type = Buffer.from(bytes.subarray(12, 16)).toString("latin1");
  if (type !== "IHDR" || view.getUint32(8) !== 13) corrupt("PNG does not start with a valid IHDR chunk");
  return checkedDimensions("png", view.getUint32(16), view.getUint32(20));
}

function readWebp(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 30) corrupt("WebP is truncated before its image header");
  const chunk = Buffer.from(bytes.subarray(12, 16)).toString("latin1");
  const u16 = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  const u24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
  switch (chunk) {
    case "VP8 ": {
      // Lossy: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height.
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a)
        corrupt("WebP VP8 start code is missing");
      return checkedDimensions("webp", u16(26) & 0x3fff, u16(28) & 0x3fff);
    }
    case "VP8L": {
      // Lossless: signature 0x2F, then width-1 and height-1 as two 14-bit fields.
      if (bytes[20] !== 0x2f) corrupt("WebP VP8L signature is missing");
      const bits = (bytes[21] | (bytes[22] << 8) | (bytes[23] << 16) | (bytes[24] << 24)) >>> 0;
      return checkedDimensions("webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    case "VP8X":
      // Extended: flags, 3 reserved bytes, then canvas width-1 and height-1 as 24-bit fields.
      return checkedDimensions("webp", u24(24) + 1, u24(27) + 1);
    default:
      return corrupt(`WebP has an unknown first chunk "${chunk.replace(/[^\x20-\x7e]/g, "?")}"`);
  }
}

export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return readJpeg(bytes);
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(PNG_SIGNATURE)) return readPng(bytes);
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString("latin1");
  if (bytes.length >= 16 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return readWebp(bytes);
  throw new ImageHeaderError("unsupported-format", "Not a JPEG, PNG or WebP image");
}
