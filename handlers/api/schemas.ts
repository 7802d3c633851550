/** Every input the API accepts, as zod schemas: validated before any I/O. */
import * as z from "zod/mini";
import "../../shared/zod-messages";

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
import { UPLOAD_KEY_PATTERN } from "../../shared/author-folders";
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const slug = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(100),
    z.regex(SLUG_PATTERN, "must be lower-case letters and digits separated by single hyphens"),
  );

export const slugParams = z.object({ slug });

export const pageQuery = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(50)), 10),
  cursor: z.optional(
    z
      .string()
      .check(z.maxLength(200), z.regex(/^[A-Za-z0-9_-]+$/, "must be a cursor returned by a previous page")),
  ),
});
export type PageQuery = z.output<typeof pageQuery>;

const uploadKey = z
  .string()
  .check(
    z.maxLength(300),
    z.regex(
      UPLOAD_KEY_PATTERN,
      "must be an upload key (uploads/<identity id or presigned>/<author>/<uuid>.<ext>)",
    ),
  );

/** Trimmed text of 1 (or `min`) to `max` characters. */
const trimmedText = (min: number, max: number) =>
  z.string().check(z.trim(), ...(min > 0 ? [z.minLength(min)] : []), z.maxLength(max));

const postFields = {
  title: trimmedText(1, 200),
  excerpt: z.optional(trimmedText(0, 500)),
  body: z.string().check(z.minLength(1), z.maxLength(100_000)),
  coverKey: z.optional(z.nullable(uploadKey)),
  photoKeys: z.optional(z.array(uploadKey).check(z.maxLength(50))),
};

export const createPostBody = z.strictObject({ ...postFields, slug: z.optional(slug) });
export type CreatePostInput = z.output<typeof createPostBody>;

export const updatePostBody = z
  .strictObject({
    title: z.optional(postFields.title),
    excerpt: postFields.excerpt,
    body: z.optional(postFields.body),
    coverKey: postFields.coverKey,
    photoKeys: postFields.photoKeys,
  })
  .check(z.refine((value) => Object.keys(value).length > 0, "give at least one field to change"));
export type UpdatePostInput = z.output<typeof updatePostBody>;

export const commentBody = z.strictObject({
  name: trimmedText(1, 80),
  body: trimmedText(1, 2000),
});

export const subscribeBody = z.strictObject({
  email: z.pipe(
    z.string().check(z.trim(), z.maxLength(254)),
    z.pipe(
      z.email("must be an e-mail address"),
      z.transform((email: string) => email.toLowerCase()),
    ),
  ),
  name: trimmedText(1, 100),
});

export const uploadBody = z.strictObject({
  contentType: z.string().check(z.minLength(1), z.maxLength(100)),
  size: z.number().check(z.int(), z.positive()),
});

/** The browser's stable id (`x-client-id`), else the source IP: who may like once and how fast one may comment. */
export const clientIdHeader = z.optional(z.string().check(z.regex(UUID_PATTERN, "must be a UUID")));

/** A slug from a title: "Été à Paris!" → "ete-a-paris". */
export function slugify(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100)
    .replace(/-+$/, "");
}
