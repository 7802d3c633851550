/**
 * Fan-in to a team's existing topics (`alarmTopicSubscriptions` with `protocol: "topic"`): SNS cannot subscribe a
 * topic to a topic, so every alarm of a stack also notifies each such topic of the alarm's own region (CloudWatch
 * takes actions only in its region). As an Aspect, an alarm added anywhere later is covered too.
 */
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import type { AlarmSubscription } from "../config/schema";

/** Region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export const topicRegion = (arn: string): string => arn.split(":")[3];

export class AlarmFanIn implements IAspect {
  private readonly topicArns: readonly string[];

  constructor(
    subscriptions: readonly AlarmSubscription[],
    /** Region of the stack's default provider. */
    private readonly stackRegion: string,
  ) {
    this.topicArns = subscriptions.flatMap((s) => (s.protocol === "topic" ? [s.topicArn] : []));
  }

  visit(node: IConstruct): void {
    if (!(node instanceof CloudwatchMetricAlarm) || this.topicArns.length === 0) return;
    const provider = node.provider;
    const region = (provider instanceof AwsProvider ? provider.regionInput : undefined) ?? this.stackRegion;
    const extra = this.topicArns.filter((arn) => topicRegion(arn) === region);
    if (extra.length === 0) return;
    const add = (actions: string[] | undefined) => [...new Set([...(actions ?? []), ...extra])];
    node.alarmActions = add(node.alarmActionsInput);
    node.okActions = add(node.okActionsInput);
  }
}
