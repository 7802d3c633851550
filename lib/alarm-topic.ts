/**
 * An SNS topic that CloudWatch alarms publish to, with its subscriptions: the network layer's ops topic, and the
 * edge layer's twin in us-east-1 for the CloudFront alarm (an alarm's actions must be in the alarm's region).
 */
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { Construct } from "constructs";
import type { AlarmSubscription } from "../config/schema";
import { policyDocument, type PolicyStatement } from "./iam";

export interface AlarmTopicProps {
  readonly name: string;
  /** A key whose policy lets cloudwatch.amazonaws.com use it (the AWS-managed aws/sns key does not). */
  readonly kmsKeyArn: string;
  readonly accountId: string;
  /** `alarmEmails` of the environment. @default none */
  readonly emails?: readonly string[];
  /** `alarmTopicSubscriptions`: e-mail and HTTPS ones subscribe here; topics are fanned in (lib/alarm-fan-in.ts). */
  readonly subscriptions?: readonly AlarmSubscription[];
  /** SES publishes this configuration set's bounces and complaints here too. @default none */
  readonly sesConfigurationSetArn?: string;
  /** For a topic outside the stack's region. @default the stack's provider */
  readonly provider?: AwsProvider;
}

/** Resources are `<id>-topic`, `<id>-topic-policy`, `<id>-email-<n>` and `<id>-https-<n>` of `scope`. */
export function alarmTopic(scope: Construct, id: string, props: AlarmTopicProps): SnsTopic {
  const { provider } = props;
  const topic = new SnsTopic(scope, `${id}-topic`, {
    provider,
    name: props.name,
    kmsMasterKeyId: props.kmsKeyArn,
  });
  new SnsTopicPolicy(scope, `${id}-topic-policy`, {
    provider,
    arn: topic.arn,
    policy: policyDocument([
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topic.arn,
        Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
      },
      ...(props.sesConfigurationSetArn
        ? [sesPublishes(topic.arn, props.sesConfigurationSetArn, props.accountId)]
        : []),
    ]),
  });
  const subscriptions = props.subscriptions ?? [];
  const emails = [
    ...(props.emails ?? []),
    ...subscriptions.flatMap((s) => (s.protocol === "email" ? [s.endpoint] : [])),
  ];
  emails.forEach((endpoint, i) => {
    new SnsTopicSubscription(scope, `${id}-email-${i}`, {
      provider,
      topicArn: topic.arn,
      protocol: "email",
      endpoint,
    });
  });
  subscriptions
    .flatMap((s) => (s.protocol === "https" ? [s.endpoint] : []))
    .forEach((endpoint, i) => {
      new SnsTopicSubscription(scope, `${id}-https-${i}`, {
        provider,
        topicArn: topic.arn,
        protocol: "https",
        endpoint,
        // The endpoint confirms by fetching the SubscribeURL it is sent; SNS retries delivery with backoff.
        endpointAutoConfirms: false,
      });
    });
  return topic;
}

/** SES event publishing of one configuration set, and nothing else of SES, may publish to `topicArn`. */
export function sesPublishes(
  topicArn: string,
  configurationSetArn: string,
  accountId: string,
): PolicyStatement {
  return {
    Sid: "SesPublishesMailFeedback",
    Effect: "Allow",
    Principal: { Service: "ses.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      ArnLike: { "aws:SourceArn": configurationSetArn },
    },
  };
}
