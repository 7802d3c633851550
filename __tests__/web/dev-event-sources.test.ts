/**
 * The dev server's event flows against the real local AWS stand-ins (s3rver, dynalite): S3 → the uploads topic,
 * fanned out by the deployed filter policies to an SNS-wrapped async Lambda delivery and a raw SQS queue, and
 * DynamoDB stream records with the event-source mapping's batch rules.
 * The function side is a recording function here (the real handlers run in the browser tests).
 */
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  deliverAsync,
  encodeS3EventKey,
  forwardUploads,
  StreamPoller,
  type StreamRecord,
} from "../../dev/event-sources";
import type { InvokeResult } from "../../dev/local-lambda";
import { lambdaSubscription, LocalQueue, LocalTopic, queueSubscription } from "../../dev/topic-router";
import { UPLOAD_SUBSCRIPTIONS } from "../../lib/upload-subscriptions";
import { startAwsLocal, type AwsLocal } from "../../local/aws-local";

jest.setTimeout(60_000);

let aws: AwsLocal;
let s3: S3Client;
let dynamo: DynamoDBClient;
const ok = (result: unknown = null): InvokeResult => ({ ok: true, result });
const failed = (message: string): InvokeResult => ({
  ok: false,
  error: { errorType: "Error", errorMessage: message },
});

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  aws = await startAwsLocal();
  const credentials = {
    accessKeyId: aws.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY,
  };
  s3 = new S3Client({ region: "us-east-1", endpoint: aws.s3Endpoint, forcePathStyle: true, credentials });
  dynamo = new DynamoDBClient({ region: "us-east-1", endpoint: aws.dynamodbEndpoint, credentials });
  await aws.createBuckets("uploads", "other");
});

afterAll(async () => {
  s3?.destroy();
  dynamo?.destroy();
  await aws?.stop();
});

test("S3 event keys are encoded like S3 encodes them", () => {
  expect(encodeS3EventKey("uploads/a b/é+x.jpg")).toBe("uploads/a+b/%C3%A9%2Bx.jpg");
});

test("uploads under the prefix reach the function as SNS-wrapped S3 notifications, after S3's test event", async () => {
  const events: Array<{
    Records: Array<{ EventSource: string; Sns: { TopicArn: string; Subject: string; Message: string } }>;
  }> = [];
  const topic = new LocalTopic("arn:aws:sns:us-east-1:000000000000:uploads", [
    // No filter policy: every message.
    lambdaSubscription("recorder", "arn:aws:sns:us-east-1:000000000000:uploads", {
      invoke: async (event) => {
        events.push(event as (typeof events)[number]);
        return ok();
      },
      log: () => undefined,
    }),
  ]);
  const forwarding = forwardUploads((listener) => aws.onS3Event(listener), {
    uploadsBucket: "uploads",
    prefix: "uploads/",
    region: "eu-west-1",
    publish: (message) => topic.publish(message),
  });
  await s3.send(
    new PutObjectCommand({ Bucket: "uploads", Key: "uploads/author/photo 1.jpg", Body: "jpeg bytes" }),
  );
  await s3.send(new PutObjectCommand({ Bucket: "uploads", Key: "elsewhere/x.jpg", Body: "x" }));
  await s3.send(new PutObjectCommand({ Bucket: "other", Key: "uploads/y.jpg", Body: "y" }));
  await eventually(() => events.length >= 2);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await forwarding.stop();
  await topic.stop();

  expect(events).toHaveLength(2);
  const messages = events.map((e) => {
    expect(e.Records).toHaveLength(1);
    expect(e.Records[0]).toMatchObject({
      EventSource: "aws:sns",
      Sns: { TopicArn: "arn:aws:sns:us-east-1:000000000000:uploads", Subject: "Amazon S3 Notification" },
    });
    return JSON.parse(e.Records[0].Sns.Message);
  });
  expect(messages[0]).toMatchObject({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "uploads" });
  expect(messages[1].Records[0]).toMatchObject({
    eventSource: "aws:s3",
    awsRegion: "eu-west-1",
    eventName: "ObjectCreated:Put",
    s3: {
      bucket: { name: "uploads", arn: "arn:aws:s3:::uploads" },
      object: { key: "uploads/author/photo+1.jpg", size: 10 },
    },
  });
});

test("the deployed filter policies send an image upload to thumbnail and stats, anything else only to stats", async () => {
  const topicArn = "arn:aws:sns:us-east-1:000000000000:fan-out";
  const thumbnailKeys: string[] = [];
  const statsKeys: string[] = [];
  const keyOf = (s3EventJson: string) =>
    (JSON.parse(s3EventJson) as { Records: Array<{ s3: { object: { key: string } } }> }).Records[0].s3.object
      .key;
  let failStatsOnce = true;
  const deadStats: string[] = [];
  const queue = new LocalQueue({
    queueArn: "arn:aws:sqs:us-east-1:000000000000:upload-stats",
    region: "us-east-1",
    retryDelayMs: 20,
    maxReceiveCount: 2,
    log: () => undefined,
    onDeadLetter: (body) => deadStats.push(keyOf(body)),
    invoke: async (event) => {
      const records = (event as { Records: Array<{ messageId: string; body: string; eventSource: string }> })
        .Records;
      for (const r of records) expect(r.eventSource).toBe("aws:sqs");
      // Raw delivery: the body is the S3 event itself, no SNS envelope.
      const failed = records.filter(
        (r) => keyOf(r.body).endsWith("poison.txt") || (failStatsOnce && keyOf(r.body).endsWith(".pdf")),
      );
      if (failed.some((r) => keyOf(r.body).endsWith(".pdf"))) failStatsOnce = false;
      statsKeys.push(...records.filter((r) => !failed.includes(r)).map((r) => keyOf(r.body)));
      return ok({ batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) });
    },
  });
  const topic = new LocalTopic(topicArn, [
    lambdaSubscription("thumbnail", topicArn, {
      ...UPLOAD_SUBSCRIPTIONS.thumbnail,
      invoke: async (event) => {
        const sns = (event as { Records: Array<{ Sns: { Message: string } }> }).Records[0].Sns;
        thumbnailKeys.push(keyOf(sns.Message));
        return ok();
      },
      log: () => undefined,
    }),
    queueSubscription("upload-stats", queue, UPLOAD_SUBSCRIPTIONS["upload-stats"]),
  ]);
  const published: string[][] = [];
  const forwarding = forwardUploads((listener) => aws.onS3Event(listener), {
    uploadsBucket: "uploads",
    prefix: "uploads/",
    region: "us-east-1",
    publish: (message) => published.push(topic.publish(message)),
  });
  const put = (Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket: "uploads", Key, Body }));
  await put("uploads/ada/photo.jpg", "jpeg bytes");
  await put("uploads/ada/notes.pdf", "pdf bytes");
  await put("uploads/ada/placeholder.png", "");
  await put("uploads/ada/poison.txt", "x");
  await eventually(() => statsKeys.length >= 2 && thumbnailKeys.length >= 2 && deadStats.length >= 1);
  await forwarding.stop();
  await topic.stop();
  await queue.stop();

  // S3's test event has no Records: neither policy accepts it.
  expect(published[0]).toEqual([]);
  expect(thumbnailKeys.sort()).toEqual(["uploads/ada/photo.jpg", "uploads/ada/placeholder.png"]);
  // A zero-byte object is no upload; a failed message is retried, then redriven after maxReceiveCount.
  expect(statsKeys.sort()).toEqual(["uploads/ada/notes.pdf", "uploads/ada/photo.jpg"]);
  expect(deadStats).toEqual(["uploads/ada/poison.txt"]);
});

test("asynchronous delivery retries twice, then hands the event to the on-failure destination", async () => {
  let calls = 0;
  const flaky = await deliverAsync(
    { e: 1 },
    {
      invoke: async () => (++calls < 3 ? failed("not yet") : ok()),
      log: () => undefined,
      retryDelaysMs: [10, 10],
    },
  );
  expect(flaky).toBe(true);
  expect(calls).toBe(3);

  const dead: unknown[] = [];
  calls = 0;
  const broken = await deliverAsync(
    { e: 2 },
    {
      invoke: async () => (calls++, failed("always")),
      log: () => undefined,
      retryDelaysMs: [10, 10],
      onFailure: (event, error) => dead.push({ event, error }),
    },
  );
  expect(broken).toBe(false);
  expect(calls).toBe(3);
  expect(dead).toEqual([{ event: { e: 2 }, error: "Error: always" }]);
});

describe("subscribers stream", () => {
  const table = "subscribers-stream-test";
  const put = (email: string, name: string) =>
    dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { email: { S: email }, name: { S: name }, subscribedAt: { S: "2026-01-01T00:00:00Z" } },
      }),
    );

  beforeAll(() => aws.createTables({ subscribers: table }));

  test("new items become INSERT records in DynamoDB JSON; batch failures are retried from the first failed record; exhausted records go to the on-failure destination", async () => {
    await put("before@example.com", "Already there");
    const batches: StreamRecord[][] = [];
    const dead: StreamRecord[] = [];
    let failCarol = 2; // carol fails twice, then succeeds
    let failDave = true; // dave never succeeds
    const poller = new StreamPoller({
      client: dynamo,
      tableName: table,
      keyAttributes: ["email"],
      region: "us-east-1",
      pollIntervalMs: 50,
      maximumRetryAttempts: 2,
      log: () => undefined,
      onFailure: (records) => dead.push(...records),
      invoke: async (event) => {
        const records = (event as { Records: StreamRecord[] }).Records;
        batches.push(records);
        const failures = records.filter((r) => {
          const email = r.dynamodb.NewImage.email.S;
          if (email === "carol@example.com" && failCarol > 0) return failCarol-- > 0;
          return email === "dave@example.com" && failDave;
        });
        return ok({
          batchItemFailures: failures.map((r) => ({ itemIdentifier: r.dynamodb.SequenceNumber })),
        });
      },
    });
    await poller.start();
    await put("bob@example.com", "Bob");
    await eventually(() => batches.length >= 1);
    await put("carol@example.com", "Carol");
    await put("dave@example.com", "Dave");
    await eventually(() => dead.length > 0);
    failDave = false;
    await poller.stop();

    const first = batches[0][0];
    expect(first).toMatchObject({
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      eventVersion: "1.1",
      awsRegion: "us-east-1",
      dynamodb: {
        Keys: { email: { S: "bob@example.com" } },
        NewImage: { email: { S: "bob@example.com" }, name: { S: "Bob" } },
        StreamViewType: "NEW_IMAGE",
      },
    });
    expect(first.eventSourceARN).toMatch(
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/subscribers-stream-test\/stream\//,
    );
    const delivered = batches.flat().map((r) => r.dynamodb.NewImage.email.S);
    // Items there before the mapping started produce no records (it starts at LATEST).
    expect(delivered).not.toContain("before@example.com");
    expect(delivered.filter((e) => e === "bob@example.com")).toHaveLength(1);
    // Carol: first try + 2 retries; dave goes along each time (after the failed record) and then alone.
    expect(delivered.filter((e) => e === "carol@example.com")).toHaveLength(3);
    expect(dead.map((r) => r.dynamodb.NewImage.email.S)).toEqual(["dave@example.com"]);
    const sequenceNumbers = batches.flat().map((r) => BigInt(r.dynamodb.SequenceNumber));
    expect(new Set(sequenceNumbers).size).toBe(3);
  });

  test("a failing invocation bisects the batch", async () => {
    const bisectTable = "subscribers-bisect-test";
    await aws.createTables({ subscribers: bisectTable });
    const sizes: number[] = [];
    const poller = new StreamPoller({
      client: dynamo,
      tableName: bisectTable,
      keyAttributes: ["email"],
      region: "us-east-1",
      pollIntervalMs: 500,
      maximumRetryAttempts: 5,
      log: () => undefined,
      invoke: async (event) => {
        const records = (event as { Records: StreamRecord[] }).Records;
        sizes.push(records.length);
        return records.length > 1 ? failed("batch too big") : ok({ batchItemFailures: [] });
      },
    });
    await poller.start();
    // One write request, so that one poll sees all four.
    const emails = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"];
    await dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [bisectTable]: emails.map((email) => ({ PutRequest: { Item: { email: { S: email } } } })),
        },
      }),
    );
    await eventually(() => sizes.filter((s) => s === 1).length === 4);
    await poller.stop();
    expect(sizes).toEqual([4, 2, 1, 1, 2, 1, 1]);
  });
});
