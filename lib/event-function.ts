/**
 * An event function, whole: the function (lib/node-function.ts), what invokes it (an SNS topic, a queue subscribed
 * to one, or a DynamoDB stream), where the events it keeps failing go (a dead-letter queue that pages, or its queue's
 * own), its error and throttle alarms, and its CodeDeploy release where the environment releases that way. Nothing
 * is dropped silently: every failure path ends in a queue that pages.
 */
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { Construct } from "constructs";
import type { HandlerName } from "./function-environment";
import type { FilterPolicy, FilterPolicyScope } from "../shared/sns-filter-policy";
import { keepAddresses } from "./addressing";
import { alarmAndRelease, streamAgeAlarm } from "./alarms";
import { DeadLetterQueue } from "./dead-letter";
import { READ_KEY, type Grant } from "./function-grants";
import { FUNCTIONS } from "../shared/contracts/functions";
import { NodeFunction, type NodeFunctionProps } from "./node-function";
import { SnsLambdaSubscription } from "./sns-lambda-subscription";
import { TopicQueue } from "./topic-queue";

type Filter = { readonly filterPolicy: FilterPolicy; readonly filterPolicyScope: FilterPolicyScope };

/** SNS invokes the function asynchronously (lib/sns-lambda-subscription.ts). */
export interface TopicSource {
  readonly type: "topic";
  readonly topicArn: string;
  /** @default every message */
  readonly filter?: Filter;
}

/**
 * The function polls a queue subscribed to the topic (lib/topic-queue.ts), which absorbs bursts and keeps what the
 * function keeps failing.
 */
export interface QueueSource {
  readonly type: "queue";
  readonly topicArn: string;
  readonly filter: Filter;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
}

/** The function reads a DynamoDB stream; a record it keeps failing is given up to the dead-letter queue. */
export interface StreamSource {
  readonly type: "stream";
  readonly streamArn: string;
  /** Names the stream's statements: `Read<name>Stream`, `List<name>Streams`. */
  readonly name: string;
  readonly startingPosition: "LATEST" | "TRIM_HORIZON";
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  /** Retries of a failing record, each alone (the batch is bisected). */
  readonly maximumRetryAttempts: number;
  /** A record older than this is given up; the iterator-age alarm pages at a sixth of it. */
  readonly maximumRecordAgeSeconds: number;
  /** Only records of these events invoke the function. @default every event */
  readonly eventNames?: readonly ("INSERT" | "MODIFY" | "REMOVE")[];
}

export type EventSource = TopicSource | QueueSource | StreamSource;

export interface EventFunctionProps<H extends HandlerName> extends NodeFunctionProps<H> {
  readonly source: EventSource;
}

/**
 * `id` names the function and what belongs to it: `<id>-dlq`, `<id>-errors`, `<id>-throttles`, and by source
 * `<id>-subscription` and `<id>-undelivered` (topic), `<id>-queue` and `<id>-mapping` (queue), `<id>-stream` (stream).
 */
export class EventFunction<H extends HandlerName = HandlerName> extends Construct {
  public readonly fn: NodeFunction<H>;
  /** Where failed events go; a queue source keeps them in its own dead-letter queue instead. */
  public readonly deadLetters?: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: EventFunctionProps<H>) {
    super(scope, id);
    // The events stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { source, ...functionProps } = props;
    if (source.type === "queue") {
      this.fn = this.pollQueue(id, source, functionProps);
    } else {
      this.deadLetters = new DeadLetterQueue(this, `${id}-dlq`);
      this.fn =
        source.type === "topic"
          ? this.subscribe(id, source, functionProps, this.deadLetters)
          : this.readStream(id, source, functionProps, this.deadLetters);
    }
    alarmAndRelease(this.fn);
  }

  /** SNS invokes the function asynchronously; the subscription sends what it keeps failing to the DLQ. */
  private subscribe(
    id: string,
    source: TopicSource,
    props: NodeFunctionProps<H>,
    deadLetters: DeadLetterQueue,
  ): NodeFunction<H> {
    const fn = new NodeFunction(this, id, props);
    new SnsLambdaSubscription(this, "subscription", {
      topicArn: source.topicArn,
      fn,
      filter: source.filter,
      deadLetters,
    });
    return fn;
  }

  private pollQueue(id: string, source: QueueSource, props: NodeFunctionProps<H>): NodeFunction<H> {
    const queue = new TopicQueue(this, `${id}-queue`, {
      topicArn: source.topicArn,
      ...source.filter,
      visibilityTimeoutSeconds: 6 * (props.timeout ?? FUNCTIONS[props.handler].timeout),
    });
    const fn = new NodeFunction(this, id, {
      ...props,
      grants: [queue.consumeGrant, ...(props.grants ?? [])],
    });
    new LambdaEventSourceMapping(this, `${id}-mapping`, {
      functionName: fn.arn,
      eventSourceArn: queue.queue.arn,
      batchSize: source.batchSize,
      maximumBatchingWindowInSeconds: source.maximumBatchingWindowInSeconds,
      // Failed messages alone become visible again; after maxReceiveCount the queue's redrive keeps them.
      functionResponseTypes: ["ReportBatchItemFailures"],
      // At most as many pollers as are reserved, so messages are never throttled into extra receives.
      scalingConfig:
        fn.reservedConcurrency === undefined ? undefined : { maximumConcurrency: fn.reservedConcurrency },
    });
    return fn;
  }

  /** The mapping reads the stream; the records it gives up go to the DLQ, which the function sends to. */
  private readStream(
    id: string,
    source: StreamSource,
    props: NodeFunctionProps<H>,
    deadLetters: DeadLetterQueue,
  ): NodeFunction<H> {
    const grants = [...streamGrants(source), ...(props.grants ?? []), deadLetters.sendGrant];
    const fn = new NodeFunction(this, id, { ...props, grants });
    new LambdaEventSourceMapping(this, `${id}-stream`, {
      functionName: fn.arn,
      eventSourceArn: source.streamArn,
      startingPosition: source.startingPosition,
      batchSize: source.batchSize,
      maximumBatchingWindowInSeconds: source.maximumBatchingWindowInSeconds,
      // Failed records are retried alone (bisect) a few times, then their position goes to the DLQ.
      functionResponseTypes: ["ReportBatchItemFailures"],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: source.maximumRetryAttempts,
      maximumRecordAgeInSeconds: source.maximumRecordAgeSeconds,
      filterCriteria: source.eventNames && {
        filter: [{ pattern: JSON.stringify({ eventName: source.eventNames }) }],
      },
      destinationConfig: deadLetters.onFailure,
    });
    streamAgeAlarm(this, `${id}-stream`, {
      functionName: fn.functionName,
      maximumRecordAgeSeconds: source.maximumRecordAgeSeconds,
    });
    return fn;
  }
}

/** What reading a DynamoDB stream takes. */
function streamGrants(source: StreamSource): Grant[] {
  return [
    {
      statement: {
        Sid: `Read${source.name}Stream`,
        Effect: "Allow",
        Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        Resource: source.streamArn,
      },
      // The records of a table encrypted with a customer-managed key.
      key: READ_KEY,
    },
    // ListStreams takes no resource-level permission (Service Authorization Reference): it needs "*".
    {
      statement: {
        Sid: `List${source.name}Streams`,
        Effect: "Allow",
        Action: ["dynamodb:ListStreams"],
        Resource: "*",
      },
    },
  ];
}
