/**
 * Events layer: uploads → SNS, fanned out by filter policies to the thumbnail function (images) and to a queue
 * feeding the upload-stats function (every upload); new subscribers (DynamoDB stream) → welcome-email function
 * through SES, whose hard bounces and complaints (SES → SNS) mark the subscriber for the mail-feedback function.
 * Nothing is dropped: failures go to encrypted dead-letter queues that page on arrival (lib/event-function.ts).
 */
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { SesConfigurationSet } from "@cdktf/provider-aws/lib/ses-configuration-set";
import { SesEventDestination } from "@cdktf/provider-aws/lib/ses-event-destination";
import { SesEmailIdentity } from "@cdktf/provider-aws/lib/ses-email-identity";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import type { Construct } from "constructs";
import { MAX_UPLOAD_BYTES } from "../handlers/shared/limits";
import { STATS_KEYS } from "../handlers/upload-stats/table";
import { sesPublishes } from "../lib/alarm-topic";
import { sesReputationAlarms } from "../lib/alarms";
import { EventFunction } from "../lib/event-function";
import { bindBucket, bindParameter, bindTable, type Grant } from "../lib/function-grants";
import { policyDocument } from "../lib/iam";
import { MailDomain } from "../lib/mail-domain";
import { sesConfigurationSetName } from "../lib/ses-names";
import { appTable } from "../lib/table";
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

/** The last layer of its branch: nothing downstream reads it, so it exposes no outputs (`cdktf output` aside). */
export class EventsStack extends BlogStack {
  constructor(scope: Construct, props: EventsStackProps) {
    super(scope, "events", props);
    const { data } = props;

    const mail = this.createSes();
    sesReputationAlarms(this, "ses");
    const uploads = this.createUploadsTopic(data);

    new EventFunction(this, "thumbnail", {
      handler: "thumbnail",
      description: "Makes thumbnails of uploaded photos (jimp) into the media bucket",
      memorySize: 2048,
      timeout: 60,
      source: { type: "topic", topicArn: uploads.arn, filter: UPLOAD_SUBSCRIPTIONS.thumbnail },
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

    // Every upload, through a queue (it absorbs bursts and keeps what fails), counted per author.
    const statsTable = appTable(this, "upload-stats-table", {
      name: this.names.resource("upload-stats"),
      hashKey: STATS_KEYS.author,
      rangeKey: STATS_KEYS.item,
      replicaKeyArns: data.replicaKeyArns,
    });
    new EventFunction(this, "upload-stats", {
      handler: "upload-stats",
      description: "Keeps per-author upload statistics (uploads topic → SQS → DynamoDB)",
      timeout: 30,
      source: {
        type: "queue",
        topicArn: uploads.arn,
        filter: UPLOAD_SUBSCRIPTIONS["upload-stats"],
        batchSize: 10,
        maximumBatchingWindowInSeconds: 5,
      },
      environment: {
        // The marker put is conditional; a failed totals update deletes it again (handlers/upload-stats).
        UPLOAD_STATS_TABLE: bindTable(statsTable, ["PutItem", "UpdateItem", "DeleteItem"]),
      },
    });

    new EventFunction(this, "welcome-email", {
      handler: "welcome-email",
      description: "Sends one welcome e-mail per new subscriber (DynamoDB stream → SES)",
      timeout: 30,
      source: {
        type: "stream",
        streamArn: data.subscribersStreamArn,
        name: "Subscriber",
        startingPosition: "LATEST",
        batchSize: 25,
        maximumBatchingWindowInSeconds: 1,
        maximumRetryAttempts: 3,
        // A new subscriber's record older than an hour is given up (its position goes to the DLQ).
        maximumRecordAgeSeconds: 3600,
        eventNames: ["INSERT"],
      },
      grants: [mail.sendGrant("SendWelcomeEmail")],
      environment: {
        SES_SENDER: this.config.ses.sender,
        SES_CONFIGURATION_SET: mail.configurationSetName,
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

    // Hard bounces and complaints mark the subscriber, so that no e-mail goes to that address again.
    new EventFunction(this, "mail-feedback", {
      handler: "mail-feedback",
      description:
        "Marks hard-bounced and complaining subscribers so that they are never mailed again (SES → SNS)",
      timeout: 30,
      source: { type: "topic", topicArn: mail.feedbackTopicArn },
      environment: {
        // Sets one attribute with if_not_exists: no reads, no deletes.
        SUBSCRIBERS_TABLE: bindTable(data.subscribersTable, ["UpdateItem"]),
      },
    });

    this.output("uploads_topic_arn", uploads.arn, "SNS topic receiving upload events");
    this.output("ses_identity", mail.identity, "SES identity to verify before e-mail can be sent");
  }

  private createUploadsTopic(data: EventsStackProps["data"]): { arn: string } {
    const topic = new SnsTopic(this, "uploads-topic", {
      name: this.names.resource("uploads", 256),
      kmsMasterKeyId: this.context.kmsKeyArn,
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
    return topic;
  }

  /**
   * The SES identity (with a domain: its DKIM, MAIL FROM and DMARC records, lib/mail-domain.ts) and the
   * configuration set every e-mail is sent with, whose bounces and complaints go to the ops topic and to the
   * feedback topic that mail-feedback reads.
   */
  private createSes() {
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
      kmsMasterKeyId: this.context.kmsKeyArn,
    });
    new SnsTopicPolicy(this, "mail-feedback-topic-policy", {
      arn: feedbackTopic.arn,
      policy: policyDocument([sesPublishes(feedbackTopic.arn, configurationSet.arn, this.accountId)]),
    });
    // The ops topic's policy (network layer) admits this configuration set by its ARN, as does the key's.
    for (const [id, topicArn] of [
      ["ses-feedback-to-ops", this.context.opsTopicArn],
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
    const identityArn = `arn:aws:ses:${this.region}:${this.accountId}:identity/${identity}`;
    return {
      identity,
      configurationSetName: configurationSet.name,
      feedbackTopicArn: feedbackTopic.arn,
      sendGrant: (sid: string): Grant => ({
        statement: {
          Sid: sid,
          Effect: "Allow",
          Action: ["ses:SendEmail"],
          Resource: [identityArn, configurationSet.arn],
        },
      }),
    };
  }

  /** `ses.hostedZoneId`, else the site's zone when the sender's domain is the site's domain or under it. */
  private senderZone(domain: string): string | undefined {
    const { ses, domain: site } = this.config;
    if (ses.hostedZoneId) return ses.hostedZoneId;
    if (site && (domain === site.name || domain.endsWith(`.${site.name}`))) return site.hostedZoneId;
    return undefined;
  }
}
