/**
 * Limits that the stacks configure and the handlers fall back to, defined once for both. Handler code is bundled,
 * so this module imports nothing.
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
