/** Every input the API accepts, as zod schemas: validated before any I/O. */
import * as z from "zod";

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Objects a browser uploaded through a presigned POST: `uploads/<author sub>/<uuid>.<ext>`. */
export const UPLOAD_KEY_PATTERN =
  /^uploads\/([A-Za-z0-9_.@-]{1,128})\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]{2,5}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const slug = z
  .string()
  .min(1)
  .max(100)
  .regex(SLUG_PATTERN, "must be lower-case letters and digits separated by single hyphens");

export const slugParams = z.object({ slug });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, "must be a cursor returned by a previous page")
    .optional(),
});
export type PageQuery = z.output<typeof pageQuery>;

const uploadKey = z
  .string()
  .max(300)
  .regex(UPLOAD_KEY_PATTERN, "must be an upload key (uploads/<author>/<uuid>.<ext>)");

const postFields = {
  title: z.string().trim().min(1).max(200),
  excerpt: z.string().trim().max(500).optional(),
  body: z.string().min(1).max(100_000),
  coverKey: uploadKey.nullable().optional(),
  photoKeys: z.array(uploadKey).max(50).optional(),
};

export const createPostBody = z.strictObject({ ...postFields, slug: slug.optional() });
export type CreatePostInput = z.output<typeof createPostBody>;

export const updatePostBody = z
  .strictObject({
    title: postFields.title.optional(),
    excerpt: postFields.excerpt,
    body: postFields.body.optional(),
    coverKey: postFields.coverKey,
    photoKeys: postFields.photoKeys,
  })
  .refine((value) => Object.keys(value).length > 0, "give at least one field to change");
export type UpdatePostInput = z.output<typeof updatePostBody>;

export const commentBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  body: z.string().trim().min(1).max(2000),
});

export const subscribeBody = z.strictObject({
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email("must be an e-mail address"))
    .transform((email) => email.toLowerCase()),
  name: z.string().trim().min(1).max(100),
});

export const uploadBody = z.strictObject({
  contentType: z.string().min(1).max(100),
  size: z.number().int().positive(),
});

/** The browser's stable id (`x-client-id`), else the source IP: who may like once and how fast one may comment. */
export const clientIdHeader = z.string().regex(UUID_PATTERN, "must be a UUID").optional();

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
