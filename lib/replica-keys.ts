/**
 * A customer-managed KMS key in each DynamoDB global-table replica region. A table encrypted with a
 * customer-managed key can only be replicated when every replica names a key of its own region (DynamoDB answers
 * "KMSMasterKeyId must be specified for each replica" otherwise), and the environment's key is single-region.
 * Each key is created through a provider alias for its region and administered like the main key: through IAM
 * of this account only; DynamoDB uses it through the grants it creates for the table.
 */
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { policyDocument } from "./iam";
import type { Names } from "./naming";

export interface ReplicaKeysProps {
  readonly names: Names;
  readonly regions: readonly string[];
  /** Read only when there is a replica region (it adds a caller-identity data source). */
  readonly accountId: () => string;
  /** Production keeps a deleted key 30 days, other environments 7 (as the main key). */
  readonly production: boolean;
  /** A provider like the stack's own, for another region. */
  readonly providerIn: (region: string) => AwsProvider;
}

/**
 * A customer-managed key in another region, administered like the environment's key (through IAM of this account
 * only), with an alias; its ARN. The services that use it do so through the grants they create.
 */
export function keyInRegion(
  scope: Construct,
  id: string,
  props: {
    readonly provider: AwsProvider;
    readonly description: string;
    readonly alias: string;
    readonly production: boolean;
    readonly accountId: string;
  },
): string {
  const key = new KmsKey(scope, id, {
    provider: props.provider,
    description: props.description,
    enableKeyRotation: true,
    // Production keeps a deleted key 30 days, other environments 7 (as the main key).
    deletionWindowInDays: props.production ? 30 : 7,
    policy: policyDocument([
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ]),
  });
  new KmsAlias(scope, id.replace(/-key(-|$)/, "-key-alias$1"), {
    provider: props.provider,
    name: `alias/${props.alias}`,
    targetKeyId: key.keyId,
  });
  return key.arn;
}

/** The key ARN per replica region; none without replica regions. */
export function replicaKeys(scope: Construct, props: ReplicaKeysProps): Readonly<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const region of props.regions)
    keys[region] = keyInRegion(scope, `replica-key-${region}`, {
      provider: props.providerIn(region),
      description: `${props.names.resource("data")}: DynamoDB replicas in ${region}`,
      // In another region: with the app's region, as a deployment of the app there may replicate there too.
      alias: props.names.global("data-replicas"),
      production: props.production,
      accountId: props.accountId(),
    });
  return keys;
}
