/**
 * The upload-stats core: SQS batch (raw S3 event notifications from the uploads topic) → per-author totals.
 * Powertools batch processing reports failed messages in `batchItemFailures`; SQS makes them visible again and,
 * after the queue's maxReceiveCount, moves them to its dead-letter queue. A message that is not an S3 event fails
 * the same way (retrying will not fix it, but the DLQ keeps it for a look). Counting is idempotent per upload.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { parseS3Event } from "../shared/s3-events";
import { authorOf, contentClassOf, sizeClassOf } from "../shared/upload-events";
import type { UploadStatsStore } from "./stats-store";

export interface UploadStatsDeps {
  readonly store: UploadStatsStore;
  readonly logger: Logger;
}

export type UploadStatsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createUploadStatsHandler(deps: UploadStatsDeps): UploadStatsHandler {
  const { store, logger } = deps;

  async function processMessage(record: SQSRecord): Promise<void> {
    const { objects, testEvent } = parseS3Event(record.body, `SQS message ${record.messageId}`);
    if (testEvent) logger.info("Ignoring S3 test event", { messageId: record.messageId });
    for (const object of objects) {
      const author = authorOf(object.key);
      if (!object.eventName.startsWith("ObjectCreated:") || !author) {
        logger.warn("Not an upload; not counted", { key: object.key, eventName: object.eventName });
        continue;
      }
      const bytes = object.size ?? 0;
      const outcome = await store.count({
        author,
        key: object.key,
        sequencer: object.sequencer ?? record.messageId,
        bytes,
        contentClass: contentClassOf(object.key),
        sizeClass: sizeClassOf(bytes),
        uploadedAt: object.eventTime ?? new Date(Number(record.attributes.SentTimestamp)).toISOString(),
      });
      logger.info(outcome === "counted" ? "Upload counted" : "Upload already counted", {
        author,
        key: object.key,
        bytes,
      });
    }
  }

  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, processMessage, processor, { context });
  };
}
