/**
 * PostgreSQL roles that the stacks grant and the local environment logs in as, defined once for both.
 * Imports nothing, so stacks and dev code can both use it.
 */

/** The role the API connects as (IAM authentication in AWS, a password locally); the migrate function creates it. */
export const API_DB_USER = "blog_api";
