/**
 * What S3 and IAM check on a request signed with an author identity's temporary credentials (from the local
 * identity pool, dev/identity-pool.ts), done by the upload-policy proxy before s3rver sees it: the session token,
 * expiry, clock skew, the SigV4 signature and payload hash, then the identity pool role's statements
 * (shared/author-folders.ts via dev/folder-policy.ts). An allowed request goes on to s3rver under its own dummy
 * access key (s3rver checks only that the key exists, not V4 signatures).
 */
import type { IncomingHttpHeaders } from "http";
import { authorFolderStatements } from "../shared/author-folders";
import { isAllowed, s3ActionOf } from "./folder-policy";
import type { TemporaryCredentials } from "./identity-pool";
import { amzDate, parseAuthorization, payloadMatches, signatureMatches, type SignedRequest } from "./sigv4";
import { PolicyViolation } from "./upload-policy-proxy";

export interface FolderAccessOptions {
  /** The uploads bucket, whose ARN the role's statements name. */
  readonly bucket: string;
  /** The local identity pool's credentials by access key id. */
  readonly credentialsFor: (accessKeyId: string) => TemporaryCredentials | undefined;
  /** The access key id s3rver knows (its dummy credentials), put on allowed requests. */
  readonly forwardAccessKeyId: string;
}

const MAX_SKEW_MS = 15 * 60_000;

/** The identity credentials a request is signed with (header or query), or undefined for any other request. */
export function identityCredentialsOf(
  request: SignedRequest,
  options: FolderAccessOptions,
): TemporaryCredentials | undefined {
  const accessKeyId =
    parseAuthorization(String(request.headers.authorization ?? ""))?.accessKeyId ??
    new URL(request.url, "http://local").searchParams.get("X-Amz-Credential")?.split("/")[0];
  return accessKeyId ? options.credentialsFor(accessKeyId) : undefined;
}

/** Checks the request as S3 and IAM would; returns the headers to forward to s3rver or throws a PolicyViolation. */
export function authorizeFolderRequest(
  request: SignedRequest,
  body: Buffer,
  credentials: TemporaryCredentials,
  options: FolderAccessOptions,
  now = Date.now(),
): IncomingHttpHeaders {
  const authorization = parseAuthorization(String(request.headers.authorization ?? ""));
  if (!authorization)
    throw new PolicyViolation(
      403,
      "AccessDenied",
      "Only requests signed in the Authorization header are emulated for identity credentials (no presigned URLs).",
    );
  if (request.headers["x-amz-security-token"] !== credentials.sessionToken)
    throw new PolicyViolation(403, "InvalidToken", "The provided token is malformed or otherwise invalid.");
  if (credentials.expiresAt <= now)
    throw new PolicyViolation(400, "ExpiredToken", "The provided token has expired.");
  const signedAt = amzDate(request.headers["x-amz-date"]);
  if (!(Math.abs(now - signedAt) <= MAX_SKEW_MS))
    throw new PolicyViolation(
      403,
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
    );
  if (!signatureMatches(request, authorization, credentials.secretAccessKey))
    throw new PolicyViolation(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
  if (!payloadMatches(request.headers, body))
    throw new PolicyViolation(
      400,
      "XAmzContentSHA256Mismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );

  const url = new URL(request.url, "http://local");
  const [, bucket = "", ...keyParts] = url.pathname.split("/");
  const key = keyParts.length > 0 ? decodeURIComponent(keyParts.join("/")) : undefined;
  const copySource = request.headers["x-amz-copy-source"];
  const action = s3ActionOf(
    request.method,
    `arn:aws:s3:::${decodeURIComponent(bucket)}`,
    key,
    url.searchParams,
    typeof copySource === "string" ? copySource : undefined,
  );
  if (!isAllowed(authorFolderStatements(`arn:aws:s3:::${options.bucket}`, credentials.identityId), action))
    throw new PolicyViolation(
      403,
      "AccessDenied",
      `User: ${credentials.identityId} is not authorized to perform: ${action.action} on resource: ${action.resource}`,
    );

  const headers: IncomingHttpHeaders = { ...request.headers };
  delete headers["x-amz-security-token"];
  headers.authorization = String(request.headers.authorization).replace(
    `Credential=${authorization.accessKeyId}/`,
    `Credential=${options.forwardAccessKeyId}/`,
  );
  return headers;
}
