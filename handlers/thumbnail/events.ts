/** SNS notifications carrying S3 event notifications (the SNS message body is the S3 event JSON). */
import type { SNSEvent } from "aws-lambda";

export interface UploadedObject {
  readonly bucket: string;
  /** Object key, URL-decoded (S3 encodes keys in events, spaces as "+"). */
  readonly key: string;
  readonly eventName: string;
}

/** An SNS message that is not an S3 event: retrying cannot fix it, so it goes to the on-failure destination. */
export class EventFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventFormatError";
  }
}

interface S3EventMessage {
  Event?: string;
  Records?: Array<{ eventName?: unknown; s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } } }>;
}

export interface ParsedNotifications {
  readonly objects: UploadedObject[];
  /** `s3:TestEvent` messages S3 sends when the notification is configured. */
  readonly testEvents: number;
}

export function parseNotifications(event: SNSEvent): ParsedNotifications {
  const objects: UploadedObject[] = [];
  let testEvents = 0;
  for (const [index, record] of (event.Records ?? []).entries()) {
    let message: S3EventMessage;
    try {
      message = JSON.parse(record.Sns?.Message ?? "") as S3EventMessage;
    } catch {
      throw new EventFormatError(`SNS record ${index} (${record.Sns?.MessageId}) does not carry JSON`);
    }
    if (message?.Event === "s3:TestEvent") {
      testEvents += 1;
      continue;
    }
    if (!Array.isArray(message?.Records)) {
      throw new EventFormatError(
        `SNS record ${index} (${record.Sns?.MessageId}) is not an S3 event notification`,
      );
    }
    for (const s3Record of message.Records) {
      const bucket = s3Record.s3?.bucket?.name;
      const key = s3Record.s3?.object?.key;
      if (typeof bucket !== "string" || typeof key !== "string" || typeof s3Record.eventName !== "string") {
        throw new EventFormatError(
          `SNS record ${index} has an S3 record without bucket name, object key or event name`,
        );
      }
      objects.push({
        bucket,
        key: decodeURIComponent(key.replace(/\+/g, " ")),
        eventName: s3Record.eventName,
      });
    }
  }
  return { objects, testEvents };
}
