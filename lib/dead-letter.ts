/**
 * Dead letters of one event function: an encrypted, TLS-only queue that keeps failed events 14 days, an alarm when
 * anything lands in it, the right to send to it (for the function, wherever its destination is configured), and the
 * on-failure destination of an event source mapping.
 */
import type { LambdaEventSourceMappingDestinationConfig } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { keepAddresses } from "./addressing";
import { queueDepthAlarm } from "./alarms";
import { READ_WRITE_KEY, type Grant } from "./function-grants";
import { denyInsecureTransport, policyDocument } from "./iam";
import { StackContext } from "./stack-context";

export class DeadLetterQueue extends Construct {
  public readonly queue: SqsQueue;
  /** What the function whose failed events land here needs: `sqs:SendMessage`, and the queue's key. */
  public readonly sendGrant: Grant;

  /** `id` names the queue (`<app>-<env>-<id>`), its policy (`<id>-policy`) and its alarm (`<id>-depth`). */
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // The events stack declared these resources itself before this helper existed.
    keepAddresses(this);
    const { names, kmsKeyArn } = StackContext.of(this);
    this.queue = new SqsQueue(this, id, {
      name: names.resource(id, 80),
      kmsMasterKeyId: kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    new SqsQueuePolicy(this, `${id}-policy`, {
      queueUrl: this.queue.url,
      policy: policyDocument([denyInsecureTransport([this.queue.arn], "sqs")]),
    });
    this.sendGrant = {
      statement: {
        Sid: "OnFailureDestination",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: this.queue.arn,
      },
      key: READ_WRITE_KEY,
    };
    queueDepthAlarm(this, id, this.queue.name);
  }

  /** For an event source mapping (streams, queues): records that keep failing go here. */
  get onFailure(): LambdaEventSourceMappingDestinationConfig {
    return { onFailure: { destinationArn: this.queue.arn } };
  }
}
