/** Hand-built image bytes for the thumbnail tests: EXIF segments, PNG chunks, headers that lie about size. */
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A PNG whose IHDR declares width × height, followed by a tiny IDAT: a decompression-bomb header. */
export function pngWithHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A big-endian ("MM") EXIF APP1 segment as cameras write it, with the orientation tag and, optionally, a
 * GPS-looking ASCII tag standing for the location data that must not be published.
 */
export function bigEndianExifSegment(orientation: number, options: { gps?: boolean } = {}): Buffer {
  const secret = Buffer.from("GPS-SECRET\0", "latin1");
  const entries = options.gps ? 2 : 1;
  const ifdSize = 2 + entries * 12 + 4;
  const tiff = Buffer.alloc(8 + ifdSize + (options.gps ? secret.length : 0));
  tiff.write("MM\0*", 0, "latin1");
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(entries, 8);
  tiff.writeUInt16BE(0x0112, 10); // Orientation, SHORT, 1 value
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  if (options.gps) {
    tiff.writeUInt16BE(0x010e, 22); // ImageDescription, ASCII, stored after the IFD
    tiff.writeUInt16BE(2, 24);
    tiff.writeUInt32BE(secret.length, 26);
    tiff.writeUInt32BE(8 + ifdSize, 30);
    secret.copy(tiff, 8 + ifdSize);
  }
  const body = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

export function insertAfterSoi(jpeg: Buffer, segment: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** The same JPEG with its SOF0 frame header rewritten to claim other dimensions (the scan data is unchanged). */
export function withJpegDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = copy.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error("no SOF0 segment");
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);
  return copy;
}

/** A lossless WebP (VP8L) header for width × height followed by a few bytes of (meaningless) image data. */
export function webpLossless(width: number, height: number): Buffer {
  const bits = ((width - 1) | ((height - 1) << 14)) >>> 0;
  const payload = Buffer.from([
    0x2f,
    bits & 255,
    (bits >>> 8) & 255,
    (bits >>> 16) & 255,
    bits >>> 24,
    ...new Array<number>(11).fill(0),
  ]);
  const chunkSize = Buffer.alloc(4);
  chunkSize.writeUInt32LE(payload.length);
  const riffSize = Buffer.alloc(4);
  riffSize.writeUInt32LE(4 + 8 + payload.length);
  return Buffer.concat([Buffer.from("RIFF"), riffSize, Buffer.from("WEBPVP8L"), chunkSize, payload]);
}
