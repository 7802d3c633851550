/**
 * DynamoDB stream events built the way Lambda delivers them for a NEW_IMAGE stream (DynamoDB JSON images,
 * increasing sequence numbers), plus a Lambda context. dynalite has no streams, so the tests write the item to the
 * real local table and build the record that AWS would emit for that write.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { randomBytes } from "node:crypto";

let sequence = 100_000_000_000_000_000_000n;

export function streamRecord(
  tableName: string,
  image: Record<string, unknown>,
  options: { eventName?: "INSERT" | "MODIFY" | "REMOVE"; keys?: Record<string, unknown> } = {},
): DynamoDBRecord {
  sequence += 1n;
  const newImage = marshall(image, { removeUndefinedValues: true });
  const keys = marshall(options.keys ?? { email: image.email }, { removeUndefinedValues: true });
  return {
    eventID: randomBytes(16).toString("hex"),
    eventName: options.eventName ?? "INSERT",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: keys as never,
      NewImage: newImage as never,
      SequenceNumber: sequence.toString(),
      SizeBytes: JSON.stringify(newImage).length,
      StreamViewType: "NEW_IMAGE",
    },
    eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/2026-01-01T00:00:00.000`,
  };
}

export function streamEvent(...records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}

export function lambdaContext(functionName = "welcome-email"): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: randomBytes(16).toString("hex"),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
