/**
 * The hand-offs between layers: what each stack offers the layers downstream, as scalars and ids (cdktf turns
 * each value a consumer reads into an output and a `terraform_remote_state` read). A consumer's props take these
 * interfaces, or the `Pick` of them it uses, never a stack object. The events and edge layers hand nothing on.
 */
import type { AuthorPool } from "../lib/author-sign-in";
import type { PostgresConnection } from "../lib/postgres-database";
import type { CacheConnection } from "../lib/read-cache";
import type { TableOf } from "../shared/contracts/tables";

export interface NetworkOutputs {
  /** Where functions that must reach the database run (egress through NAT or endpoints). */
  readonly privateSubnetIds: string[];
  /** Where the database and cache live: no route out of the VPC. */
  readonly isolatedSubnetIds: string[];
  /** Customer-managed key encrypting data, logs, topics and queues. */
  readonly kmsKeyArn: string;
  readonly accessLogBucketName: string;
  /** For CloudFront standard logging. */
  readonly accessLogBucketDomainName: string;
  /** SNS topic every alarm notifies. */
  readonly opsTopicArn: string;
  /** Id of a security group that a layer declared in its `NetworkAccess` (lib/security-groups.ts). */
  securityGroupId(name: string): string;
}

/** A table or bucket as its consumers bind it: scalars only. */
export interface TableRef {
  readonly name: string;
  readonly arn: string;
}

export interface DataOutputs {
  readonly database: PostgresConnection;
  readonly cache: CacheConnection;
  /** Every table of this layer's contract (shared/contracts/tables.ts), by name. */
  readonly tables: { readonly [N in TableOf<"data">]: TableRef };
  /** Stream of new subscribers, consumed by the welcome-email function. */
  readonly subscribersStreamArn: string;
  readonly uploadsBucket: TableRef;
  readonly mediaBucket: TableRef & { readonly regionalDomainName: string };
  /** The customer-managed key of each DynamoDB replica region, for the global tables of every layer. */
  readonly replicaKeyArns: Readonly<Record<string, string>>;
}

export interface ApiOutputs {
  /** `https://<id>.execute-api.<region>.amazonaws.com` */
  readonly apiEndpoint: string;
  readonly apiId: string;
  /** The Lambda integration, for the author routes that the edge stack declares in Cognito mode. */
  readonly integrationId: string;
  /**
   * `auth.mode: cognito`: the authors' user pool and its hosted UI. The edge stack adds the app client (its callback
   * URLs need the CloudFront address), the JWT authorizer and the author routes (see lib/author-sign-in.ts).
   */
  readonly authors?: AuthorPool;
  /**
   * The origin-verification value CloudFront sends to the API (the active slot of lib/origin-verification.ts), as a
   * Terraform reference: generated in this layer's state, read by the edge through a sensitive output.
   */
  readonly originVerifyValue: string;
}
