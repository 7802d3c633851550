/**
 * Per-author upload statistics in DynamoDB: one `totals` item per author (counts by content and size class, bytes,
 * last upload) and one marker item per counted upload, which makes counting idempotent. Two writes, not a
 * transaction (dynalite, the local DynamoDB, has none): the marker goes first with a condition, so a redelivered
 * message finds it and is not counted twice; a failed totals update removes the marker again so the retry counts it.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ContentClass, SizeClass } from "../shared/upload-events";
import { STATS_KEYS, TOTALS_ITEM } from "./table";

const CONTENT_COUNTERS: Record<ContentClass, string> = { image: "images", other: "others" };

export interface CountedUpload {
  readonly author: string;
  readonly key: string;
  /** Distinguishes two writes of one key (each is an upload). */
  readonly sequencer: string;
  readonly bytes: number;
  readonly contentClass: ContentClass;
  readonly sizeClass: SizeClass;
  readonly uploadedAt: string;
}

export class UploadStatsStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Adds the upload to its author's totals once; `duplicate` when it was counted before. */
  async count(upload: CountedUpload): Promise<"counted" | "duplicate"> {
    const marker = {
      [STATS_KEYS.author]: upload.author,
      [STATS_KEYS.item]: `upload#${upload.key}#${upload.sequencer}`,
    };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...marker,
            bytes: upload.bytes,
            contentClass: upload.contentClass,
            sizeClass: upload.sizeClass,
            uploadedAt: upload.uploadedAt,
          },
          ConditionExpression: "attribute_not_exists(#item)",
          ExpressionAttributeNames: { "#item": STATS_KEYS.item },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return "duplicate";
      throw err;
    }
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [STATS_KEYS.author]: upload.author, [STATS_KEYS.item]: TOTALS_ITEM },
          UpdateExpression:
            "ADD uploads :one, #bytes :bytes, #content :one, #size :one SET lastUploadAt = :at",
          ExpressionAttributeNames: {
            "#bytes": "bytes",
            "#content": CONTENT_COUNTERS[upload.contentClass],
            "#size": upload.sizeClass,
          },
          ExpressionAttributeValues: { ":one": 1, ":bytes": upload.bytes, ":at": upload.uploadedAt },
        }),
      );
    } catch (err) {
      await this.dynamo
        .send(new DeleteCommand({ TableName: this.tableName, Key: marker }))
        .catch(() => undefined);
      throw err;
    }
    return "counted";
  }
}
