/**
 * mail-feedback against dynalite: SES's bounce and complaint events (the documented SNS format) mark the subscriber,
 * and welcome-email then never mails it. Transient bounces mark nothing.
 */
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SNSEvent } from "aws-lambda";
import { startAwsLocal, type AwsLocal } from "../../../local/aws-local";
import { createMailFeedbackHandler, type MailFeedbackHandler } from "../../../handlers/mail-feedback/app";
import { loadMailFeedbackConfig } from "../../../handlers/mail-feedback/config";
import { MalformedFeedbackError } from "../../../handlers/mail-feedback/notification";
import { createWelcomeEmailHandler } from "../../../handlers/welcome-email/app";
import { createSesClient } from "../../../handlers/welcome-email/send";
import { lambdaContext, streamEvent, streamRecord } from "../welcome-email/stream-records";

const SUBSCRIBERS = "subscribers-feedback-test";
const IDEMPOTENCY = "idempotency-feedback-test";

/** SES's Bounce event record as configuration-set event publishing sends it to SNS (SES developer guide). */
function bounceEvent(address: string, bounceType: "Permanent" | "Transient" | "Undetermined") {
  return {
    eventType: "Bounce",
    bounce: {
      bounceType,
      bounceSubType: bounceType === "Permanent" ? "General" : "MailboxFull",
      bouncedRecipients: [
        {
          emailAddress: address,
          action: "failed",
          status: "5.1.1",
          diagnosticCode: "smtp; 550 5.1.1 user unknown",
        },
      ],
      timestamp: "2017-08-05T00:41:02.669Z",
      feedbackId: "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
      reportingMTA: "dsn; mta.example.com",
    },
    mail: {
      timestamp: "2017-08-05T00:40:02.012Z",
      source: "Sender Name <sender@example.com>",
      sourceArn: "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
      sendingAccountId: "123456789012",
      messageId: "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
      destination: [address],
      headersTruncated: false,
      tags: { "ses:configuration-set": ["myblog-dev-mail"] },
    },
  };
}

/** A Complaint record in the identity-notification form (`notificationType`), which is read too. */
function complaintNotification(address: string) {
  return {
    notificationType: "Complaint",
    complaint: {
      complainedRecipients: [{ emailAddress: address }],
      timestamp: "2017-08-05T00:41:02.669Z",
      feedbackId: "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000001",
      complaintFeedbackType: "abuse",
    },
    mail: {
      timestamp: "2017-08-05T00:40:02.012Z",
      source: "sender@example.com",
      messageId: "m",
      destination: [address],
    },
  };
}

function snsEvent(...messages: unknown[]): SNSEvent {
  return {
    Records: messages.map((message, i) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: "arn:aws:sns:eu-west-1:123456789012:myblog-dev-mail-feedback:sub",
      Sns: {
        Type: "Notification",
        MessageId: `message-${i}`,
        TopicArn: "arn:aws:sns:eu-west-1:123456789012:myblog-dev-mail-feedback",
        Subject: "",
        Message: typeof message === "string" ? message : JSON.stringify(message),
        Timestamp: "2017-08-05T00:41:03.000Z",
        SignatureVersion: "1",
        Signature: "x",
        SigningCertUrl: "https://sns.example",
        UnsubscribeUrl: "https://sns.example",
        MessageAttributes: {},
      },
    })),
  };
}

describe("loadMailFeedbackConfig", () => {
  it("names the missing table", () => {
    expect(() => loadMailFeedbackConfig({})).toThrow(
      "The mail-feedback function's environment is invalid: SUBSCRIBERS_TABLE is not set",
    );
  });
});

describe("mail-feedback against dynalite, then welcome-email against aws-ses-v2-local", () => {
  let aws: AwsLocal;
  let dynamo: DynamoDBDocumentClient;
  let feedback: MailFeedbackHandler;
  const logger = new Logger({ serviceName: "mail-feedback-test", logLevel: "SILENT" });
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    aws = await startAwsLocal();
    Object.assign(process.env, aws.env);
    await aws.createTables({ subscribers: SUBSCRIBERS, idempotency: IDEMPOTENCY });
    const client = new DynamoDBClient({});
    dynamo = DynamoDBDocumentClient.from(client);
    feedback = createMailFeedbackHandler({ dynamo, logger, config: { subscribersTable: SUBSCRIBERS } });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await aws?.stop();
  });

  async function stored(email: string) {
    return (await dynamo.send(new GetCommand({ TableName: SUBSCRIBERS, Key: { email } }))).Item;
  }

  async function subscribe(email: string) {
    const item = { email, name: "Reader", subscribedAt: new Date().toISOString() };
    await dynamo.send(new PutCommand({ TableName: SUBSCRIBERS, Item: item }));
    return streamRecord(SUBSCRIBERS, item);
  }

  function welcome() {
    const client = new DynamoDBClient({});
    return createWelcomeEmailHandler({
      ses: createSesClient({ maxAttempts: 2 }),
      dynamo,
      idempotencyStore: new DynamoDBPersistenceLayer({ tableName: IDEMPOTENCY, awsSdkV3Client: client }),
      logger,
      config: {
        sender: "blog@example.com",
        subscribersTable: SUBSCRIBERS,
        siteUrl: "https://blog.example.com",
      },
    });
  }

  async function emailsTo(address: string) {
    return (await aws.sentEmails()).filter((email) => email.to.includes(address));
  }

  it("marks a hard bounce once (a redelivery keeps the first time), and the subscriber is never mailed", async () => {
    const record = await subscribe("hard@example.com");
    await feedback(snsEvent(bounceEvent("Hard@Example.com", "Permanent")));
    const first = (await stored("hard@example.com"))?.bouncedAt;
    expect(first).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    await feedback(snsEvent(bounceEvent("hard@example.com", "Permanent")));
    expect((await stored("hard@example.com"))?.bouncedAt).toBe(first);

    expect(await welcome()(streamEvent(record), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await emailsTo("hard@example.com")).toHaveLength(0);
  });

  it("does not mark transient or undetermined bounces: the subscriber is still welcomed", async () => {
    const record = await subscribe("full@example.com");
    await feedback(
      snsEvent(bounceEvent("full@example.com", "Transient"), bounceEvent("full@example.com", "Undetermined")),
    );
    const item = await stored("full@example.com");
    expect(item?.bouncedAt).toBeUndefined();
    expect(item?.complainedAt).toBeUndefined();
    expect(await welcome()(streamEvent(record), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await emailsTo("full@example.com")).toHaveLength(1);
  });

  it("a complaint stops mail too", async () => {
    const record = await subscribe("spam@example.com");
    await feedback(snsEvent(complaintNotification("spam@example.com")));
    expect((await stored("spam@example.com"))?.complainedAt).toEqual(expect.any(String));
    await welcome()(streamEvent(record), lambdaContext());
    expect(await emailsTo("spam@example.com")).toHaveLength(0);
  });

  it("marks an address that is no subscriber, so a later subscription never mails it", async () => {
    await feedback(snsEvent(bounceEvent("gone@example.com", "Permanent")));
    expect(await stored("gone@example.com")).toEqual({
      email: "gone@example.com",
      bouncedAt: expect.any(String),
    });
  });

  it("fails a message that is no SES event (the retries then take it to the dead-letter queue)", async () => {
    const errorLog = jest.spyOn(logger, "error");
    await expect(feedback(snsEvent("not json"))).rejects.toThrow(MalformedFeedbackError);
    await expect(feedback(snsEvent({ eventType: "Bounce" }))).rejects.toThrow(
      "A Bounce event without its bounce object",
    );
    await expect(feedback(snsEvent({ AlarmName: "x" }))).rejects.toThrow("no eventType or notificationType");
    expect(errorLog).toHaveBeenCalledWith(
      "Not an SES event: failing it so that it reaches the dead-letter queue",
      expect.objectContaining({ messageId: "message-0" }),
    );
    await expect(feedback(snsEvent({ eventType: "Delivery", mail: {} }))).resolves.toBeUndefined();
  });
});
