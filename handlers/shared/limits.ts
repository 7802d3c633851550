/**
 * Limits that the stacks configure and the handlers fall back to, defined once for both. Handler code is bundled,
 * so this module imports nothing.
 */

/** Largest photo upload: the API signs presigned POSTs up to it, the thumbnail function refuses bigger objects. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
