/**
 * IAM's decision, locally, for an S3 request signed with an author identity's temporary credentials: the request
 * read as an action, a resource and condition keys, judged against the identity pool role's statements
 * (`authorFolderStatements` of shared/author-folders.ts, the same statements the role is deployed with).
 *
 * Deliberately small: Allow statements only (no explicit Deny, so anything not allowed is denied), `*` and `?`
 * wildcards in actions and resources, and the `StringLike` condition operator (what the role uses on `s3:prefix`).
 * A statement with any other operator never matches, so an unmodelled condition denies rather than allows.
 */
import { wildcardRegExp } from "../shared/wildcard";
import type { FolderStatement } from "../shared/author-folders";

export interface S3Action {
  /** e.g. `s3:ListBucket`, `s3:GetObject`. */
  readonly action: string;
  /** The bucket's ARN, or `<bucket ARN>/<key>` for an object. */
  readonly resource: string;
  /** Condition keys and their values, e.g. `{ "s3:prefix": "uploads/…/" }`. */
  readonly context: Readonly<Record<string, string>>;
}

/** IAM's wildcard match: `*` any run of characters, `?` any one; case-sensitive (as for resources). */
export function wildcardMatch(pattern: string, value: string, caseSensitive = true): boolean {
  return wildcardRegExp(pattern, caseSensitive ? "" : "i").test(value);
}

function conditionsHold(statement: FolderStatement, context: S3Action["context"]): boolean {
  return Object.entries(statement.Condition ?? {}).every(
    ([operator, keys]) =>
      operator === "StringLike" &&
      Object.entries(keys).every(([key, patterns]) => {
        const value = context[key];
        return value !== undefined && patterns.some((pattern) => wildcardMatch(pattern, value));
      }),
  );
}

/** Allowed when some statement names the action (actions compare case-insensitively), the resource and its conditions hold. */
export function isAllowed(statements: readonly FolderStatement[], request: S3Action): boolean {
  return statements.some(
    (statement) =>
      statement.Effect === "Allow" &&
      statement.Action.some((action) => wildcardMatch(action, request.action, false)) &&
      statement.Resource.some((resource) => wildcardMatch(resource, request.resource)) &&
      conditionsHold(statement, request.context),
  );
}

/** Query parameters that select an operation other than the plain object or bucket one (`?acl`, `?tagging`…). */
const LIST_PARAMETERS = new Set([
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "continuation-token",
  "start-after",
  "fetch-owner",
  "encoding-type",
  "marker",
  "x-id",
]);

/**
 * The S3 action of a path-style request (`/<bucket>` or `/<bucket>/<key>`, the key already URI-decoded), as IAM
 * names it. Operations beyond listing and plain get, head, put and delete are named after their subresource
 * (`s3:PutObject?acl`), which no statement allows: they are refused, not guessed at. `copySource` is the
 * `x-amz-copy-source` header of a PUT.
 */
export function s3ActionOf(
  method: string,
  bucketArn: string,
  key: string | undefined,
  query: URLSearchParams,
  copySource?: string,
): S3Action {
  const subresources = [...query.keys()].filter((name) => !LIST_PARAMETERS.has(name));
  // A copy reads another object too: not modelled, so refused.
  if (copySource) subresources.push("copy");
  if (!key) {
    const listing = (method === "GET" || method === "HEAD") && subresources.length === 0;
    return {
      action: listing ? "s3:ListBucket" : `s3:${method}Bucket?${subresources.join("&")}`,
      resource: bucketArn,
      context: listing ? { "s3:prefix": query.get("prefix") ?? "" } : {},
    };
  }
  const verb: Readonly<Record<string, string>> = {
    GET: "GetObject",
    HEAD: "GetObject",
    PUT: "PutObject",
    DELETE: "DeleteObject",
  };
  const name = verb[method];
  const extra = subresources.length > 0 ? `?${subresources.join("&")}` : "";
  return { action: `s3:${name ?? `${method}Object`}${extra}`, resource: `${bucketArn}/${key}`, context: {} };
}
