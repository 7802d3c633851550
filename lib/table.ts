/**
 * A DynamoDB table with the project's defaults: on demand, point-in-time recovery, the customer-managed key,
 * deletion protection and global replicas as the environment configures them, an optional stream and TTL, and
 * alarms on its throttled reads and writes.
 * Any layer that owns a table declares it with this, so a new service's table needs no edit of the data layer.
 * What is not given comes from the stack (lib/stack-context.ts); keys, stream and TTL come from the table's contract
 * (`declaredKeys`, shared/contracts/tables.ts), which the local DynamoDB reads too.
 */
import { DynamodbTable, type DynamodbTableAttribute } from "@cdktf/provider-aws/lib/dynamodb-table";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { TABLES, type TableContract, type TableName } from "../shared/contracts/tables";
import { tableThrottleAlarms } from "./alarms";
import { StackContext } from "./stack-context";
import { deletionProtected } from "./teardown";

export interface AppTableProps {
  /** Table name, `<app>-<env>-<suffix>` by convention. */
  readonly name: string;
  /** @default the stack's key */
  readonly kmsKeyArn?: string;
  /** String partition key. */
  readonly hashKey: string;
  /** String sort key. @default none */
  readonly rangeKey?: string;
  /** Stream of new images (for a consumer function). @default none, unless replicas need one */
  readonly stream?: boolean;
  /** Attribute holding an expiry time in epoch seconds. @default no TTL */
  readonly ttlAttribute?: string;
  /** The environment's `dynamodb` settings. @default the stack's environment's */
  readonly settings?: { readonly replicaRegions: readonly string[]; readonly deletionProtection: boolean };
  /** The customer-managed key of each replica region (lib/replica-keys.ts). */
  readonly replicaKeyArns: Readonly<Record<string, string>>;
  /** Where its throttling alarms go. @default the stack's ops topic */
  readonly opsTopicArn?: string;
}

export function appTable(scope: Construct, id: string, props: AppTableProps): DynamodbTable {
  const env = StackContext.of(scope).env;
  const settings = props.settings ?? env.dynamodb;
  const replicas = settings.replicaRegions;
  const attributes: DynamodbTableAttribute[] = [{ name: props.hashKey, type: "S" }];
  if (props.rangeKey) attributes.push({ name: props.rangeKey, type: "S" });
  // Global tables replicate through streams with both images.
  const streamView = replicas.length > 0 ? "NEW_AND_OLD_IMAGES" : props.stream ? "NEW_IMAGE" : undefined;
  const table = new DynamodbTable(scope, id, {
    name: props.name,
    billingMode: "PAY_PER_REQUEST",
    hashKey: props.hashKey,
    rangeKey: props.rangeKey,
    attribute: attributes,
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn ?? StackContext.of(scope).kmsKeyArn },
    deletionProtectionEnabled: deletionProtected(settings.deletionProtection, env),
    streamEnabled: streamView !== undefined,
    streamViewType: streamView,
    ttl: props.ttlAttribute ? { attributeName: props.ttlAttribute, enabled: true } : undefined,
    // A table on a customer-managed key replicates only with a key of each replica's own region.
    replica: replicas.map((regionName) => {
      const kmsKeyArn = props.replicaKeyArns[regionName];
      if (!kmsKeyArn)
        throw new Error(`appTable ${props.name}: no KMS key for the replica region ${regionName}`);
      return { regionName, kmsKeyArn, pointInTimeRecovery: true, propagateTags: true };
    }),
  });
  tableThrottleAlarms(scope, id, props.name, props.opsTopicArn);
  if (env.production && env.teardown)
    suppress(
      table,
      "FSBP_DynamoDB.6",
      "The environment is being torn down (teardown): its tables give up deletion protection for the reviewed destroy",
    );
  return table;
}

/** The keys, stream and TTL that shared/contracts/tables.ts declares for `name`, as `appTable` takes them. */
export function declaredKeys(
  name: TableName,
): Pick<AppTableProps, "hashKey" | "rangeKey" | "stream" | "ttlAttribute"> {
  const { hashKey, rangeKey, stream, ttlAttribute }: TableContract = TABLES[name];
  return { hashKey, rangeKey, stream, ttlAttribute };
}
