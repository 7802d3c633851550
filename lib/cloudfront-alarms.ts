/**
 * CloudFront's alarm and where it goes. CloudFront publishes its metrics in us-east-1 only and an alarm's actions
 * must be in its own region, so the alarm, an alarm topic with the environment's subscriptions and that topic's
 * key live in us-east-1 (the AWS-managed aws/sns key does not let CloudWatch publish).
 */
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { Construct } from "constructs";
import type { AlarmSubscription } from "../config/schema";
import { opsAlarm } from "./alarms";
import { alarmTopic } from "./alarm-topic";
import { policyDocument } from "./iam";
import type { Names } from "./naming";

export interface CloudFrontAlarmsProps {
  readonly names: Names;
  /** The us-east-1 provider. */
  readonly provider: AwsProvider;
  readonly accountId: string;
  readonly production: boolean;
  readonly distributionId: string;
  readonly alarmEmails: readonly string[];
  readonly alarmSubscriptions: readonly AlarmSubscription[];
}

/**
 * 5% of requests answered 5xx for 15 minutes. The API's own 5xx alarm counts its errors; this one also sees the
 * site's and the photos' origins and CloudFront itself, as a rate, so a quiet hour's single error does not page.
 */
export const CLOUDFRONT_5XX_RATE_THRESHOLD = 5;

export function cloudFrontAlarms(scope: Construct, props: CloudFrontAlarmsProps): void {
  const { provider, accountId } = props;
  const key = new KmsKey(scope, "edge-alarm-key", {
    provider,
    description: `${props.names.resource("edge")}: CloudFront alarm topic in us-east-1`,
    enableKeyRotation: true,
    deletionWindowInDays: props.production ? 30 : 7,
    policy: policyDocument([
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchPublishesToEncryptedTopic",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "sns.amazonaws.com"] },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ]),
  });
  new KmsAlias(scope, "edge-alarm-key-alias", {
    provider,
    name: `alias/${props.names.global("edge-alarms")}`,
    targetKeyId: key.keyId,
  });
  const topic = alarmTopic(scope, "edge-ops", {
    provider,
    name: props.names.global("ops-alarms-us-east-1", 256),
    kmsKeyArn: key.arn,
    accountId,
    emails: props.alarmEmails,
    subscriptions: props.alarmSubscriptions,
  });
  opsAlarm(scope, "cdn-5xx-rate", {
    provider,
    alarmName: props.names.global("cdn-5xx-rate"),
    description: `CloudFront answers ${CLOUDFRONT_5XX_RATE_THRESHOLD}% or more of requests with 5xx for 15 minutes`,
    namespace: "AWS/CloudFront",
    metricName: "5xxErrorRate",
    dimensions: { DistributionId: props.distributionId, Region: "Global" },
    statistic: "Average",
    threshold: CLOUDFRONT_5XX_RATE_THRESHOLD,
    evaluationPeriods: 3,
    opsTopicArn: topic.arn,
  });
}
