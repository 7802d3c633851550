/**
 * Privacy for the published original: photos carry EXIF (GPS position, camera serial numbers, …), XMP, IPTC and
 * text chunks. The original is republished byte for byte minus those segments, so no re-encoding (and no quality
 * loss or CPU time) is spent on it. A JPEG keeps its orientation through a minimal EXIF block of its own.
 */
import type { ImageFormat } from "./image-header";

const EXIF_HEADER = Buffer.from("Exif\0\0", "latin1");
const ORIENTATION_TAG = 0x0112;

/** The EXIF orientation (1–8) of a JPEG, 1 when it has none or it cannot be read. */
export function jpegOrientation(jpeg: Uint8Array): number {
  const bytes = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1];
    if (marker === 0xda || marker === 0xd9) break;
    const length = bytes.readUInt16BE(offset + 2);
    const body = bytes.subarray(offset + 4, offset + 2 + length);
    if (marker === 0xe1 && body.subarray(0, 6).equals(EXIF_HEADER))
      return orientationFromTiff(body.subarray(6));
    offset += 2 + length;
  }
  return 1;
}

function orientationFromTiff(tiff: Buffer): number {
  if (tiff.length < 8) return 1;
  const little = tiff.toString("latin1", 0, 2) === "II";
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    if (u16(entry) === ORIENTATION_TAG) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** An APP1 segment holding only an EXIF IFD0 with the orientation tag. */
export function exifOrientationSegment(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write("II*\0", 0, "latin1"); // little-endian TIFF header
  tiff.writeUInt32LE(8, 4); // IFD0 right after the header
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(ORIENTATION_TAG, 10);
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14); // one value
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const body = Buffer.concat([EXIF_HEADER, tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

/** APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) change how pixels decode. */
const KEPT_APP_MARKERS = new Set([0xe0, 0xe2, 0xee]);

function stripJpeg(jpeg: Buffer): Buffer {
  const orientation = jpegOrientation(jpeg);
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  if (orientation !== 1) parts.push(exifOrientationSegment(orientation));
  let offset = 2;
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff) {
    const marker = jpeg[offset + 1];
    if (marker === 0xda) break; // start of scan: the rest is image data
    const end = offset + 2 + jpeg.readUInt16BE(offset + 2);
    const isMetadata = (marker >= 0xe0 && marker <= 0xef && !KEPT_APP_MARKERS.has(marker)) || marker === 0xfe;
    if (!isMetadata) parts.push(jpeg.subarray(offset, end));
    offset = end;
  }
  parts.push(jpeg.subarray(offset));
  return Buffer.concat(parts);
}

/** Text, EXIF and timestamp chunks; none of them affects the pixels. */
const PNG_METADATA_CHUNKS = new Set(["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]);

function stripPng(png: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const end = offset + 12 + png.readUInt32BE(offset);
    if (!PNG_METADATA_CHUNKS.has(png.toString("latin1", offset + 4, offset + 8))) {
      parts.push(png.subarray(offset, end));
    }
    offset = end;
  }
  return Buffer.concat(parts);
}

/** The original without its metadata; WebP is returned as is (its metadata chunks are not removed yet). */
export function stripMetadata(format: ImageFormat, bytes: Buffer): Buffer {
  if (format === "jpeg") return stripJpeg(bytes);
  if (format === "png") return stripPng(bytes);
  return bytes;
}
