/**
 * A function subscribed to an SNS topic, whole: SNS's right to invoke its `live` alias, the subscription (with an
 * optional filter policy), a queue for what SNS cannot deliver at all, and the asynchronous invocation settings that
 * send what the function keeps failing to its dead-letter queue. Compare terraform-aws-modules/lambda's
 * `allowed_triggers` and `destination_on_failure`, or SST's subscriber component.
 */
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import type { FilterPolicy, FilterPolicyScope } from "../shared/sns-filter-policy";
import { keepAddresses } from "./addressing";
import type { DeadLetterQueue } from "./dead-letter";
import type { NodeFunction } from "./node-function";
import { topicOnlyQueue } from "./topic-queue";

export interface SnsLambdaSubscriptionProps {
  readonly topicArn: string;
  readonly fn: NodeFunction;
  /** Only the messages it matches reach the function. @default every message */
  readonly filter?: { readonly filterPolicy: FilterPolicy; readonly filterPolicyScope: FilterPolicyScope };
  /** Where an event goes once Lambda's retries are spent; the function is granted sending to it. */
  readonly deadLetters: DeadLetterQueue;
  /** Lambda's retries of an asynchronous event. @default 2 retries, events up to an hour old */
  readonly retry?: { readonly maximumRetryAttempts: number; readonly maximumEventAgeInSeconds: number };
}

/** Named after the function `<fn>`: `<fn>-from-sns`, `<fn>-undelivered`, `<fn>-subscription` and `<fn>-async`. */
export class SnsLambdaSubscription extends Construct {
  public readonly subscription: SnsTopicSubscription;

  constructor(scope: Construct, id: string, props: SnsLambdaSubscriptionProps) {
    super(scope, id);
    // The events stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { fn, topicArn } = props;
    const name = fn.node.id;
    new LambdaPermission(this, `${name}-from-sns`, {
      functionName: fn.functionName,
      qualifier: fn.alias.name,
      action: "lambda:InvokeFunction",
      principal: "sns.amazonaws.com",
      sourceArn: topicArn,
    });
    // What SNS cannot hand to Lambda at all (function gone, throttled past SNS's retries) lands here.
    const undelivered = topicOnlyQueue(this, `${name}-undelivered`, { topicArn, alarm: true });
    this.subscription = new SnsTopicSubscription(this, `${name}-subscription`, {
      topicArn,
      protocol: "lambda",
      endpoint: fn.arn,
      filterPolicy: props.filter && JSON.stringify(props.filter.filterPolicy),
      filterPolicyScope: props.filter?.filterPolicyScope,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: undelivered.arn }),
    });
    // SNS invokes asynchronously: Lambda retries, then the event lands in the dead-letter queue with its error.
    new LambdaFunctionEventInvokeConfig(this, `${name}-async`, {
      functionName: fn.functionName,
      // Asynchronous events invoke the live alias: its settings, not the unqualified function's, apply.
      qualifier: fn.alias.name,
      ...(props.retry ?? { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 }),
      destinationConfig: { onFailure: { destination: props.deadLetters.queue.arn } },
    });
    fn.grant(props.deadLetters.sendGrant);
  }
}
