/** SNS notifications carrying S3 event notifications (the SNS message body is the S3 event JSON). */
import type { SNSEvent } from "aws-lambda";
import { parseS3Event, type S3EventObject } from "../shared/s3-events";

export { EventFormatError } from "../shared/s3-events";

export type UploadedObject = Pick<S3EventObject, "bucket" | "key" | "eventName">;

export interface ParsedNotifications {
  readonly objects: UploadedObject[];
  /** `s3:TestEvent` messages S3 sends when the notification is configured. */
  readonly testEvents: number;
}

export function parseNotifications(event: SNSEvent): ParsedNotifications {
  const objects: UploadedObject[] = [];
  let testEvents = 0;
  for (const [index, record] of (event.Records ?? []).entries()) {
    const parsed = parseS3Event(record.Sns?.Message ?? "", `SNS record ${index} (${record.Sns?.MessageId})`);
    if (parsed.testEvent) testEvents += 1;
    for (const { bucket, key, eventName } of parsed.objects) objects.push({ bucket, key, eventName });
  }
  return { objects, testEvents };
}
