/**
 * What an environment's dashboard shows, found in the layers' construct trees: every function, stream consumer,
 * dead-letter queue and table, so one added to any layer is on the dashboard without an edit here. Only literal
 * names are read (lib/naming.ts makes them deterministic): the dashboard's stack gains no dependency on them.
 */
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import {
  DefaultTokenResolver,
  StringConcat,
  TerraformResource,
  TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import type { Construct } from "constructs";
import type { DashboardInput } from "./dashboard";
import { NodeFunction } from "./node-function";

export type MonitoredResources = Pick<
  DashboardInput,
  "functions" | "streamConsumers" | "deadLetterQueues" | "tables" | "cacheNodes"
> & { readonly databaseIdentifier: string };

function literal(value: string | undefined, what: string): string {
  if (value === undefined || Token.isUnresolved(value))
    throw new Error(
      `The dashboard needs ${what} as a literal name (lib/naming.ts), not a Terraform reference`,
    );
  return value;
}

/** A token as the Terraform expression it stands for (`${type.name.attribute}`), in the stack of `at`. */
function resolveIn(at: Construct, value: unknown): string {
  return String(
    Tokenization.resolve(value, {
      scope: TerraformStack.of(at),
      preparing: false,
      resolver: new DefaultTokenResolver(new StringConcat()),
    }),
  );
}

export function monitoredResources(layers: readonly Construct[]): MonitoredResources {
  const all = layers.flatMap((layer) => layer.node.findAll());
  const functions = all.filter((c): c is NodeFunction => c instanceof NodeFunction);
  const nameOf = (fn: NodeFunction) => literal(fn.function.functionNameInput, `function ${fn.node.path}`);

  // A stream mapping (it has a starting position; a queue's has none) names its function by a reference to a
  // resource inside that NodeFunction (the function, or an alias of it).
  const streamConsumers = all
    .filter((c): c is LambdaEventSourceMapping => c instanceof LambdaEventSourceMapping)
    .filter((mapping) => mapping.startingPositionInput !== undefined)
    .map((mapping) => {
      const resolve = (value: unknown) => resolveIn(mapping, value);
      const target = resolve(mapping.functionNameInput);
      const fn = functions.find((candidate) =>
        candidate.node
          .findAll()
          .filter((c): c is TerraformResource => c instanceof TerraformResource)
          // A resource's fqn resolves to `${type.name}`; a reference to it is `${type.name.attribute}`.
          .some((resource) => target.includes(`${resolve(resource.fqn).replace(/^\$\{(.*)\}$/, "$1")}.`)),
      );
      if (!fn)
        throw new Error(`Stream mapping ${mapping.node.path} invokes no NodeFunction the dashboard knows`);
      return nameOf(fn);
    });

  // A dead-letter queue is a queue that pages as soon as it holds a message (lib/alarms.ts queueDepthAlarm),
  // whoever created it (DeadLetterQueue, TopicQueue, topicOnlyQueue).
  const pagedQueues = new Set(
    all
      .filter((c): c is CloudwatchMetricAlarm => c instanceof CloudwatchMetricAlarm)
      .filter(
        (a) => a.namespaceInput === "AWS/SQS" && a.metricNameInput === "ApproximateNumberOfMessagesVisible",
      )
      .map((alarm) => resolveIn(alarm, alarm.dimensionsInput?.QueueName)),
  );

  const databases = all.filter((c): c is DbInstance => c instanceof DbInstance);
  const groups = all.filter(
    (c): c is ElasticacheReplicationGroup => c instanceof ElasticacheReplicationGroup,
  );
  if (databases.length !== 1 || groups.length !== 1)
    throw new Error(
      `The dashboard expects one database and one cache, found ${databases.length} and ${groups.length}`,
    );
  const groupId = literal(groups[0].replicationGroupIdInput, "the cache's replication group id");
  // ElastiCache names a replication group's nodes <group>-001, -002, … in creation order.
  const cacheNodes = Array.from(
    { length: groups[0].numCacheClustersInput ?? 1 },
    (_, i) => `${groupId}-${String(i + 1).padStart(3, "0")}`,
  );

  return {
    functions: functions.map(nameOf),
    streamConsumers,
    deadLetterQueues: all
      .filter((c): c is SqsQueue => c instanceof SqsQueue)
      .filter((queue) => pagedQueues.has(resolveIn(queue, queue.name)))
      .map((queue) => literal(queue.nameInput, `queue ${queue.node.path}`)),
    tables: all
      .filter((c): c is DynamodbTable => c instanceof DynamodbTable)
      .map((table) => literal(table.nameInput, `table ${table.node.path}`)),
    databaseIdentifier: literal(databases[0].identifierInput, "the database identifier"),
    cacheNodes,
  };
}
