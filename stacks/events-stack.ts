/**
 * Events layer: uploads → SNS, fanned out by filter policies to the thumbnail function (images) and to a queue
 * feeding the upload-stats function (every upload); new subscribers (DynamoDB stream) → welcome-email function
 * through SES, whose hard bounces and complaints (SES → SNS) mark the subscriber for the mail-feedback function.
 * Nothing is dropped: failures go to encrypted dead-letter queues that page on arrival (lib/event-function.ts).
 */
import type { Construct } from "constructs";
import { FUNCTIONS } from "../shared/contracts/functions";
import { BucketEventTopic } from "../lib/bucket-event-topic";
import { EventFunction } from "../lib/event-function";
import { bindBucket, bindParameter, bindTables } from "../lib/function-grants";
import { MailSending } from "../lib/mail-sending";
import { senderOf } from "../config/ownership";
import { appTable, declaredKeys } from "../lib/table";
import { UPLOAD_SUBSCRIPTIONS } from "../lib/upload-subscriptions";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import type { DataOutputs, NetworkOutputs } from "./outputs";

export interface EventsStackProps extends BlogStackProps {
  readonly network: Pick<NetworkOutputs, "kmsKeyArn" | "opsTopicArn">;
  readonly data: Pick<
    DataOutputs,
    "uploadsBucket" | "mediaBucket" | "tables" | "subscribersStreamArn" | "replicaKeyArns"
  >;
}

/** The last layer of its branch: nothing downstream reads it, so it exposes no outputs (`cdktf output` aside). */
export class EventsStack extends BlogStack {
  constructor(scope: Construct, props: EventsStackProps) {
    super(scope, "events", props);
    const { data } = props;

    // Which identity this environment owns, so that no two environments claim one (config/ownership.ts).
    const mail = new MailSending(this, "ses", { sender: senderOf(this.config, this.envName) });
    const uploads = new BucketEventTopic(this, "uploads", { bucket: data.uploadsBucket, prefix: "uploads/" });

    new EventFunction(this, "thumbnail", {
      handler: "thumbnail",
      description: "Makes thumbnails of uploaded photos (jimp) into the media bucket",
      source: { type: "topic", topicArn: uploads.arn, filter: UPLOAD_SUBSCRIPTIONS.thumbnail },
      environment: {
        // Reads only the raw uploads, writes only under media/ of the other bucket: it can never trigger itself.
        UPLOADS_BUCKET: bindBucket(data.uploadsBucket, "uploads/", ["GetObject"]),
        MEDIA_BUCKET: bindBucket(data.mediaBucket, "media/", ["PutObject"]),
        ...bindTables("thumbnail", data.tables),
        ...FUNCTIONS.thumbnail.environment,
      },
    });

    // Every upload, through a queue (it absorbs bursts and keeps what fails), counted per author.
    const statsTable = appTable(this, "upload-stats-table", {
      name: this.names.resource("upload-stats"),
      ...declaredKeys("upload-stats"),
      replicaKeyArns: data.replicaKeyArns,
    });
    new EventFunction(this, "upload-stats", {
      handler: "upload-stats",
      description: "Keeps per-author upload statistics (uploads topic → SQS → DynamoDB)",
      source: {
        type: "queue",
        topicArn: uploads.arn,
        filter: UPLOAD_SUBSCRIPTIONS["upload-stats"],
        batchSize: 10,
        maximumBatchingWindowInSeconds: 5,
      },
      environment: bindTables("upload-stats", { "upload-stats": statsTable }),
    });

    new EventFunction(this, "welcome-email", {
      handler: "welcome-email",
      description: "Sends one welcome e-mail per new subscriber (DynamoDB stream → SES)",
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
        SES_SENDER: mail.sender,
        SES_CONFIGURATION_SET: mail.configurationSetName,
        // Written by the edge stack (custom domain or CloudFront address), downstream of this one.
        SITE_URL_PARAMETER: bindParameter({
          name: this.siteUrlParameterName,
          arn: this.parameterArn(this.siteUrlParameterName),
        }),
        ...bindTables("welcome-email", data.tables),
      },
    });

    // Hard bounces and complaints mark the subscriber, so that no e-mail goes to that address again.
    new EventFunction(this, "mail-feedback", {
      handler: "mail-feedback",
      description:
        "Marks hard-bounced and complaining subscribers so that they are never mailed again (SES → SNS)",
      source: { type: "topic", topicArn: mail.feedbackTopicArn },
      environment: bindTables("mail-feedback", data.tables),
    });

    this.output("uploads_topic_arn", uploads.arn, "SNS topic receiving upload events");
    this.output("ses_identity", mail.identity, "SES identity to verify before e-mail can be sent");
  }
}
