/** S3 event notification messages (the JSON S3 publishes to SNS, and that SNS delivers raw to SQS). */

export interface S3EventObject {
  readonly bucket: string;
  /** Object key, URL-decoded (S3 encodes keys in events, spaces as "+"). */
  readonly key: string;
  readonly eventName: string;
  /** Bytes; absent on delete events. */
  readonly size?: number;
  /** Orders the events of one key; distinct for every write of it. */
  readonly sequencer?: string;
  /** When S3 saw the request (ISO 8601). */
  readonly eventTime?: string;
}

/** A message that is not an S3 event: retrying cannot fix it, so it goes to the dead-letter destination. */
export class EventFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventFormatError";
  }
}

interface S3EventMessage {
  Event?: string;
  Records?: Array<{
    eventName?: unknown;
    eventTime?: unknown;
    s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown; sequencer?: unknown } };
  }>;
}

export interface ParsedS3Event {
  readonly objects: S3EventObject[];
  /** An `s3:TestEvent`, which S3 sends when the notification is configured. */
  readonly testEvent: boolean;
}

/** Parses one S3 event message; `where` names it in errors ("SNS record 0 (<id>)"). */
export function parseS3Event(text: string, where: string): ParsedS3Event {
  let message: S3EventMessage;
  try {
    message = JSON.parse(text) as S3EventMessage;
  } catch {
    throw new EventFormatError(`${where} does not carry JSON`);
  }
  if (message?.Event === "s3:TestEvent") return { objects: [], testEvent: true };
  if (!Array.isArray(message?.Records))
    throw new EventFormatError(`${where} is not an S3 event notification`);
  const objects = message.Records.map((record) => {
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (typeof bucket !== "string" || typeof key !== "string" || typeof record.eventName !== "string") {
      throw new EventFormatError(`${where} has an S3 record without bucket name, object key or event name`);
    }
    const { size, sequencer } = record.s3!.object!;
    return {
      bucket,
      key: decodeURIComponent(key.replace(/\+/g, " ")),
      eventName: record.eventName,
      size: typeof size === "number" ? size : undefined,
      sequencer: typeof sequencer === "string" ? sequencer : undefined,
      eventTime: typeof record.eventTime === "string" ? record.eventTime : undefined,
    };
  });
  return { objects, testEvent: false };
}
