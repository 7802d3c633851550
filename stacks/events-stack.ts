/**
 * Events layer: uploads → SNS, fanned out by filter policies to the thumbnail function (images) and to a queue
 * feeding the upload-stats function (every upload); new subscribers (DynamoDB stream) → welcome-email function
 * through SES, whose hard bounces and complaints (SES → SNS) mark the subscriber for the mail-feedback function.
 * Nothing is dropped: failures go to encrypted dead-letter queues that page on arrival.
 */
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { SesConfigurationSet } from "@cdktf/provider-aws/lib/ses-configuration-set";
import { SesEventDestination } from "@cdktf/provider-aws/lib/ses-event-destination";
import { SesEmailIdentity } from "@cdktf/provider-aws/lib/ses-email-identity";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { Construct } from "constructs";
import { sesPublishes } from "../lib/alarm-topic";
import { functionAlarms, sesReputationAlarms, streamAgeAlarm } from "../lib/alarms";
import { DeadLetterQueue } from "../lib/dead-letter";
import { policyDocument } from "../lib/iam";
import { MAX_UPLOAD_BYTES } from "../handlers/shared/limits";
import { STATS_KEYS } from "../handlers/upload-stats/table";
import { bindBucket, bindParameter, bindTable, NodeFunction } from "../lib/node-function";
import { MailDomain } from "../lib/mail-domain";
import { sesConfigurationSetName } from "../lib/ses-names";
import { appTable } from "../lib/table";
import { topicOnlyQueue, TopicQueue } from "../lib/topic-queue";
import { UPLOAD_SUBSCRIPTIONS } from "../lib/upload-subscriptions";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import type { DataOutputs, NetworkOutputs } from "./outputs";

export interface EventsStackProps extends BlogStackProps {
  readonly network: Pick<NetworkOutputs, "kmsKeyArn" | "opsTopicArn">;
  readonly data: Pick<
    DataOutputs,
    | "uploadsBucket"
    | "mediaBucket"
    | "photosTable"
    | "subscribersTable"
    | "subscribersStreamArn"
    | "idempotencyTable"
    | "replicaKeyArns"
  >;
}
type Network = EventsStackProps["network"];

/** A new subscriber's record older than this is given up (its position goes to the DLQ); the age alarm derives from it. */
const WELCOME_MAX_RECORD_AGE_SECONDS = 3600;
type Data = EventsStackProps["data"];

/** The last layer of its branch: nothing downstream reads it, so it exposes no outputs (`cdktf output` aside). */
export class EventsStack extends BlogStack {
  constructor(scope: Construct, props: EventsStackProps) {
    super(scope, "events", props);
    const { network, data } = props;

    const ses = this.createSes(network);
    sesReputationAlarms(this, "ses", this.names, network.opsTopicArn);
    const uploadsTopicArn = this.createThumbnailFlow(network, data);
    this.createUploadStatsFlow(network, data, uploadsTopicArn);
    this.createWelcomeEmailFlow(network, data, ses);
    this.createMailFeedbackFlow(network, data, ses.feedbackTopicArn);

    this.output("uploads_topic_arn", uploadsTopicArn, "SNS topic receiving upload events");
    this.output("ses_identity", ses.identity, "SES identity to verify before e-mail can be sent");
  }

  /** Failed events of `fn` go to this queue, which pages on arrival. */
  private deadLetters(id: string, fn: NodeFunction, network: Network): DeadLetterQueue {
    return new DeadLetterQueue(this, id, {
      fn,
      names: this.names,
      kmsKeyArn: network.kmsKeyArn,
      opsTopicArn: network.opsTopicArn,
    });
  }

  private createThumbnailFlow(network: Network, data: Data): string {
    const topic = new SnsTopic(this, "uploads-topic", {
      name: this.names.resource("uploads", 256),
      kmsMasterKeyId: network.kmsKeyArn,
    });
    new SnsTopicPolicy(this, "uploads-topic-policy", {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: "UploadsBucketPublishes",
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: {
            ArnLike: { "aws:SourceArn": data.uploadsBucket.arn },
            StringEquals: { "aws:SourceAccount": this.accountId },
          },
        },
      ]),
    });
    new S3BucketNotification(this, "uploads-notification", {
      bucket: data.uploadsBucket.name,
      topic: [{ topicArn: topic.arn, events: ["s3:ObjectCreated:*"], filterPrefix: "uploads/" }],
      dependsOn: [topic],
    });

    const fn = new NodeFunction(this, "thumbnail", {
      handler: "thumbnail",
      description: "Makes thumbnails of uploaded photos (jimp) into the media bucket",
      memorySize: 2048,
      timeout: 60,
      environment: {
        // Reads only the raw uploads, writes only under media/ of the other bucket: it can never trigger itself.
        UPLOADS_BUCKET: bindBucket(data.uploadsBucket, "uploads/", ["GetObject"]),
        MEDIA_BUCKET: bindBucket(data.mediaBucket, "media/", ["PutObject"]),
        PHOTOS_TABLE: bindTable(data.photosTable, ["UpdateItem"]),
        MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
        MAX_MEGAPIXELS: "40",
        THUMBNAIL_WIDTHS: "400,1200",
      },
    });
    fn.grantKeyUse(network.kmsKeyArn);
    const dlq = this.deadLetters("thumbnail-dlq", fn, network);

    new LambdaPermission(this, "thumbnail-from-sns", {
      functionName: fn.functionName,
      qualifier: fn.alias.name,
      action: "lambda:InvokeFunction",
      principal: "sns.amazonaws.com",
      sourceArn: topic.arn,
    });
    // What SNS cannot hand to Lambda at all (function gone, throttled past SNS's retries) lands here.
    const undelivered = topicOnlyQueue(this, "thumbnail-undelivered", {
      topicArn: topic.arn,
      names: this.names,
      kmsKeyArn: network.kmsKeyArn,
      opsTopicArn: network.opsTopicArn,
      alarm: true,
    });
    new SnsTopicSubscription(this, "thumbnail-subscription", {
      topicArn: topic.arn,
      protocol: "lambda",
      endpoint: fn.arn,
      filterPolicy: JSON.stringify(UPLOAD_SUBSCRIPTIONS.thumbnail.filterPolicy),
      filterPolicyScope: UPLOAD_SUBSCRIPTIONS.thumbnail.filterPolicyScope,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: undelivered.arn }),
    });
    // SNS invokes asynchronously: two retries, then the event lands in the DLQ with its error.
    dlq.catchAsyncFailures("thumbnail-async", { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 });
    this.alarmAndRelease(fn, "thumbnail", network.opsTopicArn);
    return topic.arn;
  }

  /** Every upload, through a queue (it absorbs bursts and keeps what fails), counted per author. */
  private createUploadStatsFlow(network: Network, data: Data, topicArn: string): void {
    const table = appTable(this, "upload-stats-table", {
      name: this.names.resource("upload-stats"),
      kmsKeyArn: network.kmsKeyArn,
      hashKey: STATS_KEYS.author,
      rangeKey: STATS_KEYS.item,
      settings: this.env.dynamodb,
      replicaKeyArns: data.replicaKeyArns,
      opsTopicArn: network.opsTopicArn,
    });
    const timeout = 30;
    const queue = new TopicQueue(this, "upload-stats-queue", {
      topicArn,
      names: this.names,
      kmsKeyArn: network.kmsKeyArn,
      opsTopicArn: network.opsTopicArn,
      ...UPLOAD_SUBSCRIPTIONS["upload-stats"],
      visibilityTimeoutSeconds: 6 * timeout,
    });
    const fn = new NodeFunction(this, "upload-stats", {
      handler: "upload-stats",
      description: "Keeps per-author upload statistics (uploads topic → SQS → DynamoDB)",
      memorySize: 256,
      timeout,
      environment: {
        // The marker put is conditional; a failed totals update deletes it again (handlers/upload-stats).
        UPLOAD_STATS_TABLE: bindTable(table, ["PutItem", "UpdateItem", "DeleteItem"]),
      },
    });
    queue.grantConsume(fn);
    fn.grantKeyUse(network.kmsKeyArn);
    new LambdaEventSourceMapping(this, "upload-stats-mapping", {
      functionName: fn.arn,
      eventSourceArn: queue.queue.arn,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      // Failed messages alone become visible again; after maxReceiveCount the queue's redrive keeps them.
      functionResponseTypes: ["ReportBatchItemFailures"],
      // At most as many pollers as are reserved, so messages are never throttled into extra receives.
      scalingConfig: { maximumConcurrency: fn.reservedConcurrency },
    });
    this.alarmAndRelease(fn, "upload-stats", network.opsTopicArn);
  }

  private createWelcomeEmailFlow(
    network: Network,
    data: Data,
    ses: { identityArn: string; configurationSetName: string; configurationSetArn: string },
  ): void {
    const fn = new NodeFunction(this, "welcome-email", {
      handler: "welcome-email",
      description: "Sends one welcome e-mail per new subscriber (DynamoDB stream → SES)",
      memorySize: 256,
      timeout: 30,
      environment: {
        SES_SENDER: this.config.ses.sender,
        SES_CONFIGURATION_SET: ses.configurationSetName,
        // Written by the edge stack (custom domain or CloudFront address), downstream of this one.
        SITE_URL_PARAMETER: bindParameter({
          name: this.siteUrlParameterName,
          arn: this.parameterArn(this.siteUrlParameterName),
        }),
        // Reads the subscriber consistently, then marks it welcomed with a conditional write.
        SUBSCRIBERS_TABLE: bindTable(data.subscribersTable, ["GetItem", "UpdateItem"]),
        IDEMPOTENCY_TABLE: bindTable(data.idempotencyTable, [
          "GetItem",
          "PutItem",
          "UpdateItem",
          "DeleteItem",
        ]),
      },
    });
    fn.addToRolePolicy({
      Sid: "ReadSubscriberStream",
      Effect: "Allow",
      Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
      Resource: data.subscribersStreamArn,
    });
    // ListStreams takes no resource-level permission (Service Authorization Reference): it needs "*".
    fn.addToRolePolicy({
      Sid: "ListSubscriberStreams",
      Effect: "Allow",
      Action: ["dynamodb:ListStreams"],
      Resource: "*",
    });
    fn.addToRolePolicy({
      Sid: "SendWelcomeEmail",
      Effect: "Allow",
      Action: ["ses:SendEmail"],
      Resource: [ses.identityArn, ses.configurationSetArn],
    });
    const dlq = this.deadLetters("welcome-email-dlq", fn, network);
    fn.grantKeyUse(network.kmsKeyArn);

    new LambdaEventSourceMapping(this, "welcome-email-stream", {
      functionName: fn.arn,
      eventSourceArn: data.subscribersStreamArn,
      startingPosition: "LATEST",
      batchSize: 25,
      maximumBatchingWindowInSeconds: 1,
      // Failed records are retried alone (bisect) a few times, then their position goes to the DLQ.
      functionResponseTypes: ["ReportBatchItemFailures"],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: WELCOME_MAX_RECORD_AGE_SECONDS,
      filterCriteria: { filter: [{ pattern: JSON.stringify({ eventName: ["INSERT"] }) }] },
      destinationConfig: dlq.onFailure,
    });
    this.alarmAndRelease(fn, "welcome-email", network.opsTopicArn);
    streamAgeAlarm(this, "welcome-email-stream", {
      functionName: fn.functionName,
      maximumRecordAgeSeconds: WELCOME_MAX_RECORD_AGE_SECONDS,
      opsTopicArn: network.opsTopicArn,
    });
  }

  /**
   * The SES identity (with a domain: its DKIM, MAIL FROM and DMARC records, lib/mail-domain.ts) and the
   * configuration set every e-mail is sent with, whose bounces and complaints go to the ops topic and to the
   * feedback topic that mail-feedback reads.
   */
  private createSes(network: Network) {
    const ses = this.config.ses;
    const domain = ses.sender.split("@")[1];
    let identity: string;
    if (ses.identity === "domain") {
      const zoneId = this.senderZone(domain);
      const mail = new MailDomain(this, "mail-domain", {
        domain,
        region: this.region,
        mailFromLabel: ses.mailFromLabel,
        hostedZoneId: zoneId,
        // One record per domain: the production environment owns its policy, the others send under it.
        dmarc: this.env.production
          ? { policy: ses.dmarcPolicy, reportAddress: ses.dmarcReportAddress }
          : undefined,
      });
      if (zoneId === undefined) {
        this.output(
          "ses_dns_records",
          mail.records,
          `DNS records to create in the zone of ${domain} (name, type, value each; MX values carry their priority) ` +
            "so that SES verifies the domain (DKIM CNAMEs), sends from its MAIL FROM domain (MX, SPF) and receivers " +
            "apply its DMARC policy",
        );
      }
      identity = domain;
    } else {
      new SesEmailIdentity(this, "ses-address", { email: ses.sender });
      identity = ses.sender;
    }
    const configurationSet = new SesConfigurationSet(this, "ses-configuration-set", {
      name: sesConfigurationSetName(this.names),
      deliveryOptions: { tlsPolicy: "Require" },
      reputationMetricsEnabled: true,
    });
    const feedbackTopic = new SnsTopic(this, "mail-feedback-topic", {
      name: this.names.resource("mail-feedback", 256),
      kmsMasterKeyId: network.kmsKeyArn,
    });
    new SnsTopicPolicy(this, "mail-feedback-topic-policy", {
      arn: feedbackTopic.arn,
      policy: policyDocument([sesPublishes(feedbackTopic.arn, configurationSet.arn, this.accountId)]),
    });
    // The ops topic's policy (network layer) admits this configuration set by its ARN, as does the key's.
    for (const [id, topicArn] of [
      ["ses-feedback-to-ops", network.opsTopicArn],
      ["ses-feedback-to-subscribers", feedbackTopic.arn],
    ] as const) {
      new SesEventDestination(this, id, {
        name: id,
        configurationSetName: configurationSet.name,
        enabled: true,
        matchingTypes: ["bounce", "complaint"],
        snsDestination: { topicArn },
      });
    }
    return {
      identity,
      identityArn: `arn:aws:ses:${this.region}:${this.accountId}:identity/${identity}`,
      configurationSetName: configurationSet.name,
      configurationSetArn: configurationSet.arn,
      feedbackTopicArn: feedbackTopic.arn,
    };
  }

  /** `ses.hostedZoneId`, else the site's zone when the sender's domain is the site's domain or under it. */
  private senderZone(domain: string): string | undefined {
    const { ses, domain: site } = this.config;
    if (ses.hostedZoneId) return ses.hostedZoneId;
    if (site && (domain === site.name || domain.endsWith(`.${site.name}`))) return site.hostedZoneId;
    return undefined;
  }

  /** Hard bounces and complaints mark the subscriber, so that no e-mail goes to that address again. */
  private createMailFeedbackFlow(network: Network, data: Data, topicArn: string): void {
    const fn = new NodeFunction(this, "mail-feedback", {
      handler: "mail-feedback",
      description:
        "Marks hard-bounced and complaining subscribers so that they are never mailed again (SES → SNS)",
      memorySize: 256,
      timeout: 30,
      environment: {
        // Sets one attribute with if_not_exists: no reads, no deletes.
        SUBSCRIBERS_TABLE: bindTable(data.subscribersTable, ["UpdateItem"]),
      },
    });
    fn.grantKeyUse(network.kmsKeyArn);
    const dlq = this.deadLetters("mail-feedback-dlq", fn, network);
    new LambdaPermission(this, "mail-feedback-from-sns", {
      functionName: fn.functionName,
      qualifier: fn.alias.name,
      action: "lambda:InvokeFunction",
      principal: "sns.amazonaws.com",
      sourceArn: topicArn,
    });
    const undelivered = topicOnlyQueue(this, "mail-feedback-undelivered", {
      topicArn,
      names: this.names,
      kmsKeyArn: network.kmsKeyArn,
      opsTopicArn: network.opsTopicArn,
      alarm: true,
    });
    new SnsTopicSubscription(this, "mail-feedback-subscription", {
      topicArn,
      protocol: "lambda",
      endpoint: fn.arn,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: undelivered.arn }),
    });
    dlq.catchAsyncFailures("mail-feedback-async", {
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
    });
    this.alarmAndRelease(fn, "mail-feedback", network.opsTopicArn);
  }

  /** The function's alarms, which also roll back its CodeDeploy releases when CodeDeploy releases it. */
  private alarmAndRelease(fn: NodeFunction, id: string, opsTopicArn: string): void {
    const alarms = functionAlarms(this, id, fn.functionName, opsTopicArn);
    if (fn.release === "codedeploy") this.context.releases.add(fn, alarms);
  }
}
