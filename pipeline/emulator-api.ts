/**
 * Calls the emulated deploy makes to the emulator as AWS itself (or an operator) would, behind Terraform's back:
 * AWS Query requests (RDS), signed with a fixed credential scope that only routes the request (moto does not verify
 * signatures), and SDK clients pointed at the emulator. Its certificate is self-signed (local/moto.ts): these are
 * local probes, not clients of a real endpoint.
 */
import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Agent, request } from "node:https";

/** One AWS Query call (`Action=…&Version=…`) to the emulator; the response's XML, or an error with its text. */
export function queryApi(
  endpoint: string,
  region: string,
  service: { readonly name: string; readonly version: string },
  action: string,
  params: Record<string, string>,
): Promise<string> {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ Action: action, Version: service.version, ...params }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/",
        rejectUnauthorized: false,
        timeout: 30_000,
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service.name}/aws4_request, SignedHeaders=host, Signature=0`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`${action}: HTTP ${res.statusCode} ${text}`));
          else resolve(text);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${action}: no answer within 30 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

export const RDS = { name: "rds", version: "2014-10-31" } as const;

/** The text of the first `<tag>` in an XML answer (the few fields the checks compare). */
export function xmlField(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** Options for an AWS SDK v3 client that talks to the emulator. */
export function emulatorClientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    forcePathStyle: true,
    requestHandler: { httpsAgent: new Agent({ rejectUnauthorized: false }) },
  };
}

/**
 * `work` with the buckets' policies lifted, the same documents put back after: moto applies a bucket policy's
 * statements without their conditions, so the TLS-only Deny refuses every object call (pipeline/emulator-gaps.ts).
 */
export async function withoutBucketPolicies<T>(
  s3: S3Client,
  buckets: readonly string[],
  work: () => Promise<T>,
): Promise<T> {
  const policies = new Map<string, string>();
  for (const bucket of buckets) {
    const policy = await s3
      .send(new GetBucketPolicyCommand({ Bucket: bucket }))
      .then((r) => r.Policy)
      .catch(() => undefined);
    if (!policy) continue;
    policies.set(bucket, policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  }
  try {
    return await work();
  } finally {
    for (const [bucket, policy] of policies)
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  }
}
