/**
 * Dead letters of one event function: an encrypted, TLS-only queue that keeps failed events 14 days, the
 * function's right to send to it, an alarm when anything lands in it, and the on-failure destination for
 * asynchronous invocations or for an event source mapping.
 */
import type { LambdaEventSourceMappingDestinationConfig } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { keepAddresses } from "./addressing";
import { queueDepthAlarm } from "./alarms";
import { denyInsecureTransport, policyDocument } from "./iam";
import type { Names } from "./naming";
import type { NodeFunction } from "./node-function";

export interface DeadLetterQueueProps {
  /** The function whose failed events land here; it is granted `sqs:SendMessage`. */
  readonly fn: NodeFunction;
  readonly names: Names;
  readonly kmsKeyArn: string;
  /** Where the not-empty alarm goes. */
  readonly opsTopicArn: string;
}

export class DeadLetterQueue extends Construct {
  public readonly queue: SqsQueue;
  private readonly fn: NodeFunction;

  /** `id` names the queue (`<app>-<env>-<id>`), its policy (`<id>-policy`) and its alarm (`<id>-depth`). */
  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    // The events stack declared these resources itself before this helper existed.
    keepAddresses(this);
    this.fn = props.fn;
    this.queue = new SqsQueue(this, id, {
      name: props.names.resource(id, 80),
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    new SqsQueuePolicy(this, `${id}-policy`, {
      queueUrl: this.queue.url,
      policy: policyDocument([denyInsecureTransport([this.queue.arn], "sqs")]),
    });
    props.fn.addToRolePolicy({
      Sid: "OnFailureDestination",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: this.queue.arn,
    });
    queueDepthAlarm(this, id, this.queue.name, props.opsTopicArn);
  }

  /** For an event source mapping (streams, queues): records that keep failing go here. */
  get onFailure(): LambdaEventSourceMappingDestinationConfig {
    return { onFailure: { destinationArn: this.queue.arn } };
  }

  /** Asynchronous invocations (SNS, S3, EventBridge): retried, then the event and its error go here. */
  catchAsyncFailures(
    id: string,
    retry: { readonly maximumRetryAttempts: number; readonly maximumEventAgeInSeconds: number },
  ): LambdaFunctionEventInvokeConfig {
    return new LambdaFunctionEventInvokeConfig(this, id, {
      functionName: this.fn.functionName,
      // Asynchronous events invoke the live alias: its settings, not the unqualified function's, apply.
      qualifier: this.fn.alias.name,
      ...retry,
      destinationConfig: { onFailure: { destination: this.queue.arn } },
    });
  }
}
