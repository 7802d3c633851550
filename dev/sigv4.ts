/**
 * AWS Signature Version 4 of a request signed in its `Authorization` header, checked as S3 checks it: the local
 * S3 (s3rver) does not verify V4 signatures at all (it only looks the access key id up), so the upload-policy
 * proxy uses this for requests signed with an author identity's temporary credentials.
 */
import { createHash, createHmac, timingSafeEqual } from "crypto";
import type { IncomingHttpHeaders } from "http";

export interface SignedRequest {
  readonly method: string;
  /** The request target as sent: the path (still URI-encoded) and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface Authorization {
  readonly accessKeyId: string;
  /** `<date>/<region>/<service>/aws4_request` */
  readonly scope: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const HEADER =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/([^\s,]+), ?SignedHeaders=([^\s,]+), ?Signature=([0-9a-f]{64})$/;

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header, or undefined for another scheme. */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  const match = HEADER.exec(header ?? "");
  if (!match) return undefined;
  const [, accessKeyId, scope, signedHeaders, signature] = match;
  return { accessKeyId, scope, signedHeaders: signedHeaders.split(";"), signature };
}

const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

function canonicalQuery(query: string): string {
  return query
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const [name, value = ""] = pair.split(/=(.*)/s);
      return [encode(decodeURIComponent(name)), encode(decodeURIComponent(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** SigV4's signing key for a credential scope `<date>/<region>/<service>/aws4_request`. */
export function signingKey(secretAccessKey: string, scope: string): Buffer {
  const [date = "", region = "", service = ""] = scope.split("/");
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
}

/** The signature S3 would compute for the request with `secretAccessKey` (S3 does not double-encode the path). */
export function expectedSignature(
  request: SignedRequest,
  authorization: Authorization,
  secretAccessKey: string,
): string {
  const [path, query = ""] = request.url.split(/\?(.*)/s);
  const headers = authorization.signedHeaders.map((name) => {
    const value = request.headers[name];
    const text = Array.isArray(value) ? value.join(",") : (value ?? "");
    return `${name}:${text.trim().replace(/\s+/g, " ")}\n`;
  });
  const canonical = [
    request.method,
    path,
    canonicalQuery(query),
    headers.join(""),
    authorization.signedHeaders.join(";"),
    String(request.headers["x-amz-content-sha256"] ?? "UNSIGNED-PAYLOAD"),
  ].join("\n");
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    String(request.headers["x-amz-date"] ?? ""),
    authorization.scope,
    sha256(canonical),
  ].join("\n");
  return createHmac("sha256", signingKey(secretAccessKey, authorization.scope))
    .update(stringToSign)
    .digest("hex");
}

export function signatureMatches(
  request: SignedRequest,
  authorization: Authorization,
  secretAccessKey: string,
): boolean {
  const expected = Buffer.from(expectedSignature(request, authorization, secretAccessKey), "hex");
  const given = Buffer.from(authorization.signature, "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** True when the body matches `x-amz-content-sha256` (or that header says the payload is unsigned). */
export function payloadMatches(headers: IncomingHttpHeaders, body: Buffer): boolean {
  const declared = String(headers["x-amz-content-sha256"] ?? "");
  return declared === "UNSIGNED-PAYLOAD" || declared === sha256(body);
}

/** `x-amz-date` (`YYYYMMDDTHHMMSSZ`) as a time in ms, or NaN. */
export function amzDate(value: string | string[] | undefined): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(value ?? ""));
  if (!match) return NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
