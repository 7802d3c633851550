/** Reads the subscriber out of a DynamoDB stream record (DynamoDB JSON in `dynamodb.NewImage`). */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import * as z from "zod/mini";

export interface Subscriber {
  readonly email: string;
  /** Display name, control characters removed; undefined when the subscriber gave none. */
  readonly name?: string;
}

/** The record cannot be turned into a subscriber: retrying will not help, it belongs on the failure path. */
export class MalformedRecordError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = "MalformedRecordError";
  }
}

export const MAX_NAME_LENGTH = 100;

const subscriberImage = z.object({
  email: z
    .email({ error: "must be an e-mail address" })
    .check(z.maxLength(254, "must be at most 254 characters")),
  name: z.optional(
    z
      .string({ error: "must be a string" })
      .check(z.maxLength(MAX_NAME_LENGTH * 4, `must be at most ${MAX_NAME_LENGTH * 4} characters`)),
  ),
});

/** Control characters would let a name break out of a line (or a header); collapse them to spaces. */
function cleanName(name: string | undefined): string | undefined {
  const cleaned = name
    ?.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned ? cleaned : undefined;
}

export function parseSubscriber(record: DynamoDBRecord): Subscriber {
  const image = record.dynamodb?.NewImage;
  if (!image) {
    throw new MalformedRecordError("Stream record has no NewImage (is the stream view type NEW_IMAGE?)", [
      "dynamodb.NewImage is missing",
    ]);
  }
  let item: Record<string, unknown>;
  try {
    // aws-lambda's AttributeValue type is structurally the SDK's; the cast only bridges the two declarations.
    item = unmarshall(image as Record<string, AttributeValue>);
  } catch (err) {
    throw new MalformedRecordError("Stream record's NewImage is not valid DynamoDB JSON", [
      `dynamodb.NewImage: ${(err as Error).message}`,
    ]);
  }
  const parsed = subscriberImage.safeParse(item);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "item"} ${issue.message}`);
    throw new MalformedRecordError(`Subscriber record is malformed: ${problems.join("; ")}`, problems);
  }
  return { email: parsed.data.email.toLowerCase(), name: cleanName(parsed.data.name) };
}
