/**
 * Limits that the stacks configure, the handlers fall back to and the site checks first, defined once for all.
 * Plain data, no imports: handler bundles and the browser bundle load it.
 */

/** Largest photo upload: the API signs presigned POSTs up to it, the thumbnail function refuses bigger objects. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * PostgreSQL connections one API container opens at most (its pool); the configuration check multiplies it by the
 * API's reserved concurrency against what the database or its proxy accepts (config/database-connections.ts).
 */
export const API_DB_POOL_SIZE = 2;

/**
 * Longest SQL statement of the API. Set on its role by the migration (`ALTER ROLE … SET statement_timeout`), which
 * holds through RDS Proxy too, and sent by the API's pool when it connects directly.
 */
export const API_DB_STATEMENT_TIMEOUT_MS = 5000;

/**
 * Image types an author may upload, with the object key extension each gets: the types the thumbnail function decodes
 * (its bundle carries JPEG and PNG decoders; WebP would need a separate WebAssembly file), so an accepted upload can
 * become a photo. The API's default and the site's file picker are these; the api stack sets them.
 */
export const UPLOAD_IMAGE_TYPES = { "image/jpeg": "jpg", "image/png": "png" } as const;
export type UploadImageType = keyof typeof UPLOAD_IMAGE_TYPES;

/**
 * Upload key extensions of the images the thumbnail function reads (JPEG, PNG and WebP): the uploads topic's filter
 * sends it these, and only these are counted as images.
 */
export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"] as const;
/** An image extension without its dot, as parsed from an upload key. */
export type ImageExtension = (typeof IMAGE_EXTENSIONS)[number] extends `.${infer E}` ? E : never;
