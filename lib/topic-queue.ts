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
import { denyInsecureTransport, policyDocument } from "./iam";
import type { Names } from "./naming";
import type { NodeFunction } from "./node-function";

export interface TopicQueueProps {
  readonly topicArn: string;
  readonly names: Names;
  readonly kmsKeyArn: string;
  /** Where the dead-letter alarm goes. */
  readonly opsTopicArn: string;
}

/** `<id>`: a queue only `topicArn` may send to; with `alarm`, its depth pages (a dead-letter queue). */
export function topicOnlyQueue(
  scope: Construct,
  id: string,
  props: TopicQueueProps & {
    readonly visibilityTimeoutSeconds?: number;
    readonly redrive?: { readonly deadLetterArn: string; readonly maxReceiveCount: number };
    readonly alarm?: boolean;
  },
): SqsQueue {
  const queue = new SqsQueue(scope, id, {
    name: props.names.resource(id, 80),
    kmsMasterKeyId: props.kmsKeyArn,
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
  if (props.alarm) queueDepthAlarm(scope, id, queue.name, props.opsTopicArn);
  return queue;
}

export interface TopicQueueSubscriptionProps extends TopicQueueProps {
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

  constructor(scope: Construct, id: string, props: TopicQueueSubscriptionProps) {
    super(scope, id);
    keepAddresses(this);
    this.deadLetters = topicOnlyQueue(this, `${id}-dlq`, { ...props, alarm: true });
    this.queue = topicOnlyQueue(this, id, {
      ...props,
      redrive: { deadLetterArn: this.deadLetters.arn, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    new SnsTopicSubscription(this, `${id}-subscription`, {
      topicArn: props.topicArn,
      protocol: "sqs",
      endpoint: this.queue.arn,
      // The queue receives the S3 event JSON itself, not an SNS envelope around it.
      rawMessageDelivery: true,
      filterPolicy: JSON.stringify(props.filterPolicy),
      filterPolicyScope: props.filterPolicyScope,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetters.arn }),
    });
  }

  /** `fn` consumes the queue: receive, delete, and decrypt what the topic encrypted with `kmsKeyArn`. */
  grantConsume(fn: NodeFunction): void {
    fn.addToRolePolicy({
      Sid: "ConsumeQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: this.queue.arn,
    });
  }
}
