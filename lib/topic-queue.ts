/**
 * Queues fed by an SNS topic: an encrypted, TLS-only queue that only that topic may send to (aws:SourceArn), and
 * `TopicQueue`, a consumer's queue subscribed with raw delivery and a filter policy, with a dead-letter queue that
 * takes both what its consumer keeps failing (redrive) and what SNS cannot deliver (subscription redrive policy).
 */
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import type { FilterPolicy, FilterPolicyScope } from "../shared/sns-filter-policy";
import { keepAddresses } from "./addressing";
import { queueDepthAlarm } from "./alarms";
import { READ_KEY, type Grant } from "./function-grants";
import { denyInsecureTransport, policyDocument } from "./iam";
import { StackContext } from "./stack-context";

export interface TopicOnlyQueueProps {
  readonly topicArn: string;
  readonly visibilityTimeoutSeconds?: number;
  readonly redrive?: { readonly deadLetterArn: string; readonly maxReceiveCount: number };
  /** A dead-letter queue: its depth pages the ops topic. @default false */
  readonly alarm?: boolean;
}

/** `<id>`: a queue only `topicArn` may send to, encrypted with the stack's key. */
export function topicOnlyQueue(scope: Construct, id: string, props: TopicOnlyQueueProps): SqsQueue {
  const { names, kmsKeyArn } = StackContext.of(scope);
  const queue = new SqsQueue(scope, id, {
    name: names.resource(id, 80),
    kmsMasterKeyId: kmsKeyArn,
    kmsDataKeyReusePeriodSeconds: 300,
    messageRetentionSeconds: 14 * 24 * 3600,
    visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
    redrivePolicy: props.redrive
      ? JSON.stringify({
          deadLetterTargetArn: props.redrive.deadLetterArn,
          maxReceiveCount: props.redrive.maxReceiveCount,
        })
      : undefined,
  });
  new SqsQueuePolicy(scope, `${id}-policy`, {
    queueUrl: queue.url,
    policy: policyDocument([
      denyInsecureTransport([queue.arn], "sqs"),
      {
        Sid: "OnlyThisTopicSends",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue.arn,
        Condition: { ArnEquals: { "aws:SourceArn": props.topicArn } },
      },
    ]),
  });
  if (props.alarm) queueDepthAlarm(scope, id, queue.name);
  return queue;
}

export interface TopicQueueProps {
  readonly topicArn: string;
  readonly filterPolicy: FilterPolicy;
  readonly filterPolicyScope: FilterPolicyScope;
  /** At least six times the consumer's timeout, as Lambda's SQS guidance asks. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
}

/** `<id>` and `<id>-dlq`, and the subscription `<id>-subscription`. */
export class TopicQueue extends Construct {
  public readonly queue: SqsQueue;
  public readonly deadLetters: SqsQueue;
  /** What its consumer needs: receive and delete, and decrypt what the topic encrypted with the stack's key. */
  public readonly consumeGrant: Grant;

  constructor(scope: Construct, id: string, props: TopicQueueProps) {
    super(scope, id);
    keepAddresses(this);
    const { topicArn, visibilityTimeoutSeconds } = props;
    this.deadLetters = topicOnlyQueue(this, `${id}-dlq`, { topicArn, visibilityTimeoutSeconds, alarm: true });
    this.queue = topicOnlyQueue(this, id, {
      topicArn,
      visibilityTimeoutSeconds,
      redrive: { deadLetterArn: this.deadLetters.arn, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    new SnsTopicSubscription(this, `${id}-subscription`, {
      topicArn,
      protocol: "sqs",
      endpoint: this.queue.arn,
      // The queue receives the S3 event JSON itself, not an SNS envelope around it.
      rawMessageDelivery: true,
      filterPolicy: JSON.stringify(props.filterPolicy),
      filterPolicyScope: props.filterPolicyScope,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetters.arn }),
    });
    this.consumeGrant = {
      statement: {
        Sid: "ConsumeQueue",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        Resource: this.queue.arn,
      },
      key: READ_KEY,
    };
  }
}
