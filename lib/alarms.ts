/** CloudWatch alarms that page the ops topic; one helper so every alarm has the same actions and missing-data rule. */
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";

export interface AlarmProps {
  readonly alarmName: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  /** @default "Sum" */
  readonly statistic?: "Sum" | "Average" | "Maximum" | "Minimum";
  /** Percentile such as "p99", instead of a statistic. */
  readonly extendedStatistic?: string;
  readonly threshold: number;
  /** @default "GreaterThanOrEqualToThreshold" */
  readonly comparison?: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold";
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** Seconds. @default 300 */
  readonly period?: number;
  readonly opsTopicArn: string;
}

export function opsAlarm(scope: Construct, id: string, props: AlarmProps): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: props.namespace,
    metricName: props.metricName,
    dimensions: props.dimensions,
    statistic: props.extendedStatistic ? undefined : (props.statistic ?? "Sum"),
    extendedStatistic: props.extendedStatistic,
    threshold: props.threshold,
    comparisonOperator: props.comparison ?? "GreaterThanOrEqualToThreshold",
    evaluationPeriods: props.evaluationPeriods ?? 1,
    period: props.period ?? 300,
    // No traffic is not an incident.
    treatMissingData: "notBreaching",
    alarmActions: [props.opsTopicArn],
    okActions: [props.opsTopicArn],
  });
}

/** Errors and throttles of one function; their names, for the release's rollback alarms. */
export function functionAlarms(
  scope: Construct,
  id: string,
  functionName: string,
  opsTopicArn: string,
): string[] {
  return [
    ["Errors", "errors"],
    ["Throttles", "throttles"],
  ].map(
    ([metricName, what]) =>
      opsAlarm(scope, `${id}-${what}`, {
        alarmName: `${functionName}-${what}`,
        description: `Lambda ${functionName} reports ${what}`,
        namespace: "AWS/Lambda",
        metricName,
        dimensions: { FunctionName: functionName },
        threshold: 1,
        opsTopicArn,
      }).alarmName,
  );
}

/** A dead-letter queue with anything in it means events were not processed. */
export function queueDepthAlarm(scope: Construct, id: string, queueName: string, opsTopicArn: string): void {
  opsAlarm(scope, `${id}-depth`, {
    alarmName: `${queueName}-not-empty`,
    description: `Dead-letter queue ${queueName} holds messages that were not processed`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    threshold: 1,
    opsTopicArn,
  });
}
