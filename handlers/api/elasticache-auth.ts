/**
 * ElastiCache IAM authentication: the password is a SigV4-presigned `GET http://<replication group>/?Action=connect
 * &User=<user>` for the service `elasticache`, valid 15 minutes, without its scheme. A fresh token is signed for
 * every (re)connection, so expiry never matters to a long-lived connection (ElastiCache keeps it for 12 hours).
 */
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export interface ElastiCacheTokenRequest {
  readonly replicationGroupId: string;
  readonly user: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For reproducible signatures in tests. */
  readonly signingDate?: Date;
}

export const TOKEN_LIFETIME_SECONDS = 900;

export async function elastiCacheAuthToken(request: ElastiCacheTokenRequest): Promise<string> {
  const signer = new SignatureV4({
    service: "elasticache",
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "http:",
      hostname: request.replicationGroupId,
      path: "/",
      query: { Action: "connect", User: request.user },
      headers: { host: request.replicationGroupId },
    }),
    { expiresIn: TOKEN_LIFETIME_SECONDS, signingDate: request.signingDate },
  );
  const query = Object.entries(presigned.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join("&");
  return `${request.replicationGroupId}/?${query}`;
}
