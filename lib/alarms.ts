/**
 * CloudWatch alarms that page the ops topic (the stack's, lib/stack-context.ts, unless one is given); one helper so
 * every alarm has the same actions and missing-data rule.
 */
import type { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { NodeFunction } from "./node-function";
import { StackContext } from "./stack-context";

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
  /** @default the stack's ops topic */
  readonly opsTopicArn?: string;
  /** For a metric published in another region (CloudFront: us-east-1); the topic must be there too. */
  readonly provider?: AwsProvider;
}

/** The runbook's file; each alarm's description ends with the section that answers it. */
export const RUNBOOK = "docs/operations.md";

/** The runbook section (its heading's anchor) of each metric an alarm watches: namespace, or namespace/metric. */
export const RUNBOOK_SECTIONS: Readonly<Record<string, string>> = {
  "AWS/Lambda/Errors": "function-errors-and-throttles",
  "AWS/Lambda/Throttles": "function-errors-and-throttles",
  "AWS/Lambda/IteratorAge": "stream-iterator-age",
  "AWS/SQS": "dead-letter-queues",
  "AWS/SES": "ses-reputation",
  "AWS/CloudFront": "site-errors-cloudfront-5xx",
  "AWS/ApiGateway": "api-errors-and-latency",
  "AWS/RDS/FreeStorageSpace": "postgresql-storage",
  "AWS/RDS": "postgresql-load",
  "AWS/ElastiCache": "cache-memory",
  "AWS/DynamoDB": "dynamodb-throttles",
  "AWS/Backup": "aws-backup",
};

/** `docs/operations.md#<section>` for an alarm's metric; an alarm without a section is a mistake, refused at synth. */
export function runbookLink(namespace: string, metricName: string): string {
  const section = RUNBOOK_SECTIONS[`${namespace}/${metricName}`] ?? RUNBOOK_SECTIONS[namespace];
  if (!section)
    throw new Error(
      `No runbook section for ${namespace} ${metricName}: add one to ${RUNBOOK} and RUNBOOK_SECTIONS`,
    );
  return `${RUNBOOK}#${section}`;
}

export function opsAlarm(scope: Construct, id: string, props: AlarmProps): CloudwatchMetricAlarm {
  const opsTopicArn = props.opsTopicArn ?? StackContext.of(scope).opsTopicArn;
  return new CloudwatchMetricAlarm(scope, id, {
    provider: props.provider,
    alarmName: props.alarmName,
    alarmDescription: `${props.description}. Runbook: ${runbookLink(props.namespace, props.metricName)}`,
    namespace: props.namespace,
    metricName: props.metricName,
    // Account-wide metrics (SES reputation) have none.
    dimensions: Object.keys(props.dimensions).length > 0 ? props.dimensions : undefined,
    statistic: props.extendedStatistic ? undefined : (props.statistic ?? "Sum"),
    extendedStatistic: props.extendedStatistic,
    threshold: props.threshold,
    comparisonOperator: props.comparison ?? "GreaterThanOrEqualToThreshold",
    evaluationPeriods: props.evaluationPeriods ?? 1,
    period: props.period ?? 300,
    // No traffic is not an incident.
    treatMissingData: "notBreaching",
    alarmActions: [opsTopicArn],
    okActions: [opsTopicArn],
  });
}

/** Errors and throttles of one function; their names, for the release's rollback alarms. */
export function functionAlarms(
  scope: Construct,
  id: string,
  functionName: string,
  opsTopicArn?: string,
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

/**
 * The function's error and throttle alarms, beside it; with `rollbackAlarms` they roll back its CodeDeploy releases
 * where CodeDeploy releases it (the stack's releases, lib/stack-context.ts), whose deployment group it returns then.
 */
export function alarmAndRelease(
  fn: NodeFunction,
  rollbackAlarms: readonly string[] = [],
): CodedeployDeploymentGroup | undefined {
  const alarms = functionAlarms(fn.node.scope!, fn.node.id, fn.functionName);
  if (fn.release !== "codedeploy") return undefined;
  return StackContext.of(fn).releases.add(fn, [...alarms, ...rollbackAlarms]);
}

/** A dead-letter queue with anything in it means events were not processed. */
export function queueDepthAlarm(scope: Construct, id: string, queueName: string, opsTopicArn?: string): void {
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

/**
 * Throttled reads and writes of one on-demand table. The SDK retries a throttled request (3 attempts), so a few
 * are absorbed; 10 in 5 minutes means some requests are likely failing (a hot key, or the table's limits).
 */
export function tableThrottleAlarms(
  scope: Construct,
  id: string,
  tableName: string,
  opsTopicArn?: string,
): void {
  for (const [metricName, what] of [
    ["ReadThrottleEvents", "read"],
    ["WriteThrottleEvents", "write"],
  ]) {
    opsAlarm(scope, `${id}-${what}-throttles`, {
      alarmName: `${tableName}-${what}-throttles`,
      description: `DynamoDB table ${tableName}: 10 or more throttled ${what}s in 5 minutes`,
      namespace: "AWS/DynamoDB",
      metricName,
      dimensions: { TableName: tableName },
      threshold: 10,
      opsTopicArn,
    });
  }
}

/** Iterator age pages at a sixth of the mapping's maximum record age: time to act before records are given up. */
export const STREAM_AGE_ALARM_SHARE = 1 / 6;

/** A stream consumer falling behind (IteratorAge, ms): at the maximum record age its records go to the DLQ. */
export function streamAgeAlarm(
  scope: Construct,
  id: string,
  props: {
    readonly functionName: string;
    readonly maximumRecordAgeSeconds: number;
    readonly opsTopicArn?: string;
  },
): void {
  const thresholdSeconds = Math.round(props.maximumRecordAgeSeconds * STREAM_AGE_ALARM_SHARE);
  opsAlarm(scope, `${id}-iterator-age`, {
    alarmName: `${props.functionName}-iterator-age`,
    description: `Stream records wait more than ${thresholdSeconds} s for ${props.functionName} (given up at ${props.maximumRecordAgeSeconds} s) for 10 minutes`,
    namespace: "AWS/Lambda",
    metricName: "IteratorAge",
    dimensions: { FunctionName: props.functionName },
    statistic: "Maximum",
    threshold: thresholdSeconds * 1000,
    evaluationPeriods: 2,
    opsTopicArn: props.opsTopicArn,
  });
}

/**
 * SES reviews an account at a 5% bounce or 0.1% complaint rate and may pause its sending at 10% / 0.5%. These page
 * at 4% and 0.08%, before the review. The rates are account-wide (what SES judges), whatever sent the mail.
 */
export const SES_REPUTATION_THRESHOLDS = { bounceRate: 0.04, complaintRate: 0.0008 } as const;

export function sesReputationAlarms(scope: Construct, id: string): void {
  const { names } = StackContext.of(scope);
  for (const [metricName, what, threshold] of [
    ["Reputation.BounceRate", "bounce-rate", SES_REPUTATION_THRESHOLDS.bounceRate],
    ["Reputation.ComplaintRate", "complaint-rate", SES_REPUTATION_THRESHOLDS.complaintRate],
  ] as const) {
    opsAlarm(scope, `${id}-${what}`, {
      alarmName: names.resource(`ses-${what}`),
      description: `SES account ${what.replace("-", " ")} at or above ${threshold * 100}% (review at ${what === "bounce-rate" ? "5%" : "0.1%"})`,
      namespace: "AWS/SES",
      metricName,
      dimensions: {},
      statistic: "Maximum",
      threshold,
      period: 900,
    });
  }
}
