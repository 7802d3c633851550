/** The thumbnail function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv } from "../shared/env";
import { readEventEnv, type Env } from "../../shared/env-reader";
import { wholeNumber } from "../../shared/whole-number";
import { MAX_UPLOAD_BYTES } from "../../shared/contracts/limits";

const widths = z.pipe(
  z.string(),
  z.pipe(
    z.transform((value: string) => value.split(",").map((item) => item.trim())),
    z
      .array(wholeNumber(16, 4096, "must be a comma-separated list of whole numbers from 16 to 4096"))
      .check(z.refine((list) => new Set(list).size === list.length, "must not repeat a width")),
  ),
);

const schema = z
  .object({
    ...commonEnv,
    UPLOADS_BUCKET: z.string(),
    MEDIA_BUCKET: z.string(),
    PHOTOS_TABLE: z.string(),
    MAX_UPLOAD_BYTES: z._default(wholeNumber(1, 100 * 1024 * 1024), MAX_UPLOAD_BYTES),
    MAX_MEGAPIXELS: z._default(wholeNumber(1, 100), 40),
    THUMBNAIL_WIDTHS: z._default(widths, [400, 1200]),
  })
  .check(
    z.refine((env) => env.MEDIA_BUCKET !== env.UPLOADS_BUCKET, {
      path: ["MEDIA_BUCKET"],
      message: "must differ from UPLOADS_BUCKET (the function never writes to the bucket that triggers it)",
    }),
  );

/** The variables as set (text), for the stacks and local environments to be checked against. */
export type ThumbnailEnv = z.input<typeof schema>;
export type ThumbnailConfig = z.output<typeof schema>;

export function loadThumbnailConfig(env: Env): ThumbnailConfig {
  return readEventEnv("thumbnail function", schema, env);
}
