/**
 * The app's functions, declared once: memory, timeout and the variables that are the same wherever the function runs
 * (the stacks, `npm run dev`, the tests and the benchmarks set them from here; what names a resource is bound where
 * it runs). Keyed by handler directory under `handlers/`; lib/function-environment.ts checks that every handler has
 * an entry and that each variable is one its schema reads.
 */
import { MAX_UPLOAD_BYTES, UPLOAD_IMAGE_TYPES } from "./limits";

export interface FunctionContract {
  /** Megabytes. */
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  /** Variables with the same value in every environment (`{}`: none). */
  readonly environment: Readonly<Record<string, string>>;
}

export const FUNCTIONS = {
  api: {
    memorySize: 512,
    timeout: 10,
    environment: {
      MEDIA_BASE_URL: "/media",
      UPLOAD_MAX_BYTES: String(MAX_UPLOAD_BYTES),
      // jimp decodes JPEG and PNG in the bundle; WebP would need a separate WebAssembly file.
      UPLOAD_CONTENT_TYPES: Object.keys(UPLOAD_IMAGE_TYPES).join(","),
    },
  },
  migrate: { memorySize: 256, timeout: 300, environment: {} },
  thumbnail: {
    memorySize: 2048,
    timeout: 60,
    environment: {
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      MAX_MEGAPIXELS: "40",
      THUMBNAIL_WIDTHS: "400,1200",
    },
  },
  "upload-stats": { memorySize: 256, timeout: 30, environment: {} },
  "welcome-email": { memorySize: 256, timeout: 30, environment: {} },
  "mail-feedback": { memorySize: 256, timeout: 30, environment: {} },
  /** CodeDeploy's pre-traffic hook of the API. */
  "release-hook": { memorySize: 256, timeout: 30, environment: {} },
} as const satisfies Readonly<Record<string, FunctionContract>>;

export type FunctionName = keyof typeof FUNCTIONS;
