/**
 * upload-stats against the local DynamoDB (dynalite): SQS batches of raw S3 event notifications (what the uploads
 * topic delivers to its queue) become per-author totals, counted once per upload, with failed messages reported.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { createUploadStatsHandler } from "../../../handlers/upload-stats/app";
import { loadUploadStatsConfig } from "../../../handlers/upload-stats/config";
import { UploadStatsStore } from "../../../handlers/upload-stats/stats-store";
import { contentClassOf, sizeClassOf, authorOf } from "../../../handlers/shared/upload-events";
import { startAwsLocal, type AwsLocal } from "../../../local/aws-local";

const TABLE = "upload-stats-test";
const MB = 1024 * 1024;
const context = { functionName: "upload-stats", awsRequestId: "req" } as unknown as Context;

let aws: AwsLocal;
let client: DynamoDBClient;
let dynamo: DynamoDBDocumentClient;

beforeAll(async () => {
  aws = await startAwsLocal();
  client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: aws.dynamodbEndpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  dynamo = DynamoDBDocumentClient.from(client);
  await aws.createTables({ "upload-stats": TABLE });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await aws?.stop();
});

let sequence = 0;
function s3Body(key: string, size: number, eventName = "ObjectCreated:Post"): string {
  sequence += 1;
  return JSON.stringify({
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        eventName,
        eventTime: "2026-03-01T10:00:00.000Z",
        s3: {
          bucket: { name: "uploads", arn: "arn:aws:s3:::uploads" },
          object: { key: encodeURIComponent(key).replace(/%2F/g, "/"), size, sequencer: `SEQ${sequence}` },
        },
      },
    ],
  });
}

function sqsRecord(body: string, messageId = `m-${sequence}-${Math.random()}`): SQSRecord {
  return {
    messageId,
    receiptHandle: "rh",
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1772359200000",
      SenderId: "sns",
      ApproximateFirstReceiveTimestamp: "1772359200000",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:upload-stats",
    awsRegion: "us-east-1",
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const totals = async (author: string) =>
  (await dynamo.send(new GetCommand({ TableName: TABLE, Key: { author, item: "totals" } }))).Item;

/** An author's Cognito identity folder (shared/author-folders.ts). */
const FOLDER = "eu-west-1:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

function handlerWith(store = new UploadStatsStore(dynamo, TABLE)) {
  return createUploadStatsHandler({ store, logger: new Logger({ logLevel: "SILENT" }) });
}

describe("upload classes", () => {
  test("content class from the key's extension, size class from the bytes, author from the key", () => {
    expect(contentClassOf("uploads/a/x.jpg")).toBe("image");
    expect(contentClassOf("uploads/a/x.webp")).toBe("image");
    expect(contentClassOf("uploads/a/notes.pdf")).toBe("other");
    expect(sizeClassOf(1)).toBe("small");
    expect(sizeClassOf(MB)).toBe("small");
    expect(sizeClassOf(MB + 1)).toBe("medium");
    expect(sizeClassOf(5 * MB + 1)).toBe("large");
    expect(authorOf("uploads/ada/x.jpg")).toBe("ada"); // the first layout
    expect(authorOf("uploads/presigned/ada/x.jpg")).toBe("ada");
    expect(authorOf(`uploads/${FOLDER}/ada/notes.pdf`)).toBe("ada");
    expect(authorOf("uploads/not-a-folder/ada/x.jpg")).toBeUndefined();
    expect(authorOf(`uploads/${FOLDER}/ada/`)).toBeUndefined();
    expect(authorOf("uploads/ada/")).toBeUndefined();
    expect(authorOf("media/ada/x.jpg")).toBeUndefined();
  });

  test("the environment needs the table", () => {
    expect(() => loadUploadStatsConfig({})).toThrow(/UPLOAD_STATS_TABLE is not set/);
    expect(loadUploadStatsConfig({ UPLOAD_STATS_TABLE: "t" }).UPLOAD_STATS_TABLE).toBe("t");
  });
});

describe("upload-stats handler", () => {
  test("counts each author's uploads by content and size class, with bytes and the last upload time", async () => {
    const handler = handlerWith();
    const result = await handler(
      event(
        sqsRecord(s3Body("uploads/ada/1.jpg", 200_000)),
        sqsRecord(s3Body("uploads/presigned/ada/2.png", 3 * MB)),
        sqsRecord(s3Body(`uploads/${FOLDER}/ada/notes.pdf`, 7 * MB)),
        sqsRecord(s3Body("uploads/bob/a b.jpg", 10)),
      ),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await totals("ada")).toMatchObject({
      uploads: 3,
      bytes: 200_000 + 10 * MB,
      images: 2,
      others: 1,
      small: 1,
      medium: 1,
      large: 1,
      lastUploadAt: "2026-03-01T10:00:00.000Z",
    });
    expect(await totals("bob")).toMatchObject({ uploads: 1, bytes: 10, images: 1, small: 1 });
    const markers = await dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "author = :a AND begins_with(#item, :p)",
        ExpressionAttributeNames: { "#item": "item" },
        ExpressionAttributeValues: { ":a": "bob", ":p": "upload#" },
      }),
    );
    expect(markers.Items?.map((i) => i.item)).toEqual([
      expect.stringMatching(/^upload#uploads\/bob\/a b\.jpg#SEQ/),
    ]);
  });

  test("a redelivered message is not counted twice", async () => {
    const handler = handlerWith();
    const body = s3Body("uploads/carol/1.jpg", 100);
    await handler(event(sqsRecord(body, "first")), context);
    await handler(event(sqsRecord(body, "redelivered")), context);
    expect(await totals("carol")).toMatchObject({ uploads: 1, bytes: 100 });
  });

  test("a message that is not an S3 event fails alone; the others are counted", async () => {
    const handler = handlerWith();
    const result = await handler(
      event(sqsRecord("not json", "bad"), sqsRecord(s3Body("uploads/dan/1.jpg", 5), "good")),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
    expect(await totals("dan")).toMatchObject({ uploads: 1 });
  });

  test("deletes, test events and keys outside uploads/<author>/ are not counted", async () => {
    const handler = handlerWith();
    const result = await handler(
      event(
        sqsRecord(s3Body("uploads/erin/1.jpg", 5, "ObjectRemoved:Delete")),
        sqsRecord(JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "uploads" })),
        sqsRecord(s3Body("uploads/erin", 5)),
      ),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await totals("erin")).toBeUndefined();
  });

  test("a failed totals update removes the marker, so the retry counts the upload", async () => {
    const store = new UploadStatsStore(dynamo, TABLE);
    const real = dynamo.send.bind(dynamo);
    let failUpdates = 1;
    const flaky = {
      send: (command: { constructor: { name: string } }) => {
        if (command.constructor.name === "UpdateCommand" && failUpdates-- > 0)
          return Promise.reject(Object.assign(new Error("throttled"), { name: "ThrottlingException" }));
        return real(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const handler = handlerWith(new UploadStatsStore(flaky, TABLE));
    const body = s3Body("uploads/fay/1.jpg", 42);
    // A batch whose every message failed is an error: SQS makes all of them visible again.
    await expect(handler(event(sqsRecord(body, "try-1")), context)).rejects.toThrow(/All records failed/);
    expect(await totals("fay")).toBeUndefined();
    expect(await handlerWith(store)(event(sqsRecord(body, "try-2")), context)).toEqual({
      batchItemFailures: [],
    });
    expect(await totals("fay")).toMatchObject({ uploads: 1, bytes: 42 });
  });
});
