/**
 * S3 presigned POST (a browser form upload straight to the bucket), signed with SigV4 like
 * `@aws-sdk/s3-presigned-post` does, without an S3 client. The API uses S3 for nothing else, and the client (plus
 * the second copy of it that package pins) was a third of the API's zip; a test checks that both produce the same
 * form for the same inputs.
 */
import { Sha256 } from "@smithy/core/checksum";
import { createScope, getSigningKey } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** A POST policy condition: `["content-length-range", min, max]`, `["eq", "$field", value]`, `{ field: value }`. */
export type PostCondition = readonly (string | number)[] | Readonly<Record<string, string>>;

export interface PresignedPostRequest {
  readonly bucket: string;
  readonly key: string;
  readonly conditions?: readonly PostCondition[];
  readonly fields?: Readonly<Record<string, string>>;
  readonly expiresSeconds: number;
}

export interface S3Signing {
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  /**
   * A local S3 (`AWS_ENDPOINT_URL_S3`): path-style URLs `<endpoint>/<bucket>`. Unset: AWS's virtual-hosted URL
   * `https://<bucket>.s3.<region>.amazonaws.com`.
   */
  readonly endpoint?: string;
}

const iso8601 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export function bucketUrl(signing: Pick<S3Signing, "region" | "endpoint">, bucket: string): string {
  if (signing.endpoint) return `${signing.endpoint.replace(/\/+$/, "")}/${bucket}`;
  const domain = signing.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${bucket}.s3.${signing.region}.${domain}/`;
}

export async function createPresignedPost(
  signing: S3Signing,
  request: PresignedPostRequest,
  now = new Date(),
): Promise<{ url: string; fields: Record<string, string> }> {
  const signingDate = iso8601(now).replace(/[-:]/g, "");
  const shortDate = signingDate.slice(0, 8);
  const credentials: AwsCredentialIdentity = await signing.credentials();
  const fields: Record<string, string> = {
    ...request.fields,
    bucket: request.bucket,
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${credentials.accessKeyId}/${createScope(shortDate, signing.region, "s3")}`,
    "X-Amz-Date": signingDate,
    ...(credentials.sessionToken ? { "X-Amz-Security-Token": credentials.sessionToken } : {}),
  };
  // The same order and de-duplication as the SDK's: explicit conditions, then every field, then the key.
  const conditions = new Set((request.conditions ?? []).map((condition) => JSON.stringify(condition)));
  for (const [name, value] of Object.entries(fields)) conditions.add(JSON.stringify({ [name]: value }));
  conditions.add(JSON.stringify({ key: request.key }));
  const policy = Buffer.from(
    JSON.stringify({
      expiration: iso8601(new Date(now.valueOf() + request.expiresSeconds * 1000)),
      conditions: [...conditions].map((condition) => JSON.parse(condition)),
    }),
    "utf8",
  ).toString("base64");
  const hash = new Sha256(await getSigningKey(Sha256, credentials, shortDate, signing.region, "s3"));
  hash.update(Buffer.from(policy, "utf8"));
  const signature = Buffer.from(await hash.digest()).toString("hex");
  return {
    url: bucketUrl(signing, request.bucket),
    fields: { ...fields, key: request.key, Policy: policy, "X-Amz-Signature": signature },
  };
}
