/**
 * The event sources of the blog, run locally the way AWS runs them:
 * - S3 → SNS: each object created under `uploads/` becomes an S3 event notification published to the uploads
 *   topic (./topic-router.ts fans it out); a Lambda subscriber gets it wrapped in an SNS message, delivered
 *   asynchronously (with retries, then the on-failure destination).
 * - DynamoDB stream → welcome-email: new subscriber items become stream records (INSERT, NEW_IMAGE in DynamoDB
 *   JSON), delivered in order in batches with partial-batch-failure handling, bisect on error and finite retries.
 *   dynalite has no streams, so the table is polled and new keys become INSERT records.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createHash, randomUUID } from "crypto";
import type { S3ObjectEvent } from "../local/aws-local";
import type { InvokeResult } from "./local-lambda";

export type Invoke = (event: unknown) => Promise<InvokeResult>;
export type Log = (message: string) => void;

const ACCOUNT = "000000000000";

/** Object keys in S3 event notifications are URL-encoded like form values (spaces as `+`). */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/gi, "/").replace(/%20/g, "+");
}

/** One SNS notification, as SNS delivers it to a Lambda subscriber. */
export function snsEvent(topicArn: string, subject: string, message: string): Record<string, unknown> {
  const messageId = randomUUID();
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: "Notification",
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: subject,
          Message: message,
          Timestamp: new Date().toISOString(),
          SignatureVersion: "1",
          Signature: "LOCAL",
          SigningCertUrl: "https://sns.local/SimpleNotificationService.pem",
          UnsubscribeUrl: `https://sns.local/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** s3rver's event record, completed to what S3 sends (region, ARN, encoded key, configuration id). */
export function s3NotificationFor(
  record: S3ObjectEvent["Records"][number],
  region: string,
): Record<string, unknown> {
  const raw = record as unknown as Record<string, unknown> & {
    s3: Record<string, unknown> & { bucket: Record<string, unknown>; object: Record<string, unknown> };
  };
  return {
    Records: [
      {
        ...raw,
        awsRegion: region,
        s3: {
          ...raw.s3,
          configurationId: "uploads-to-sns",
          bucket: { ...raw.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
          object: { ...raw.s3.object, key: encodeS3EventKey(record.s3.object.key) },
        },
      },
    ],
  };
}

export interface AsyncDeliveryOptions {
  readonly invoke: Invoke;
  readonly log: Log;
  /** Lambda retries a failed asynchronous invocation twice. @default [1000, 2000] (AWS waits minutes) */
  readonly retryDelaysMs?: readonly number[];
  /** Called with the event that exhausted its retries (the on-failure destination). */
  readonly onFailure?: (event: unknown, error: string) => void;
}

/** Lambda's asynchronous invocation: fire, retry on error, then hand the event to the on-failure destination. */
export async function deliverAsync(event: unknown, options: AsyncDeliveryOptions): Promise<boolean> {
  const delays = options.retryDelaysMs ?? [1000, 2000];
  for (let attempt = 0; ; attempt++) {
    const result = await options.invoke(event);
    if (result.ok) return true;
    const error = `${result.error.errorType}: ${result.error.errorMessage}`;
    if (attempt >= delays.length) {
      options.log(
        `async invocation failed after ${attempt + 1} attempts, sent to the on-failure destination (${error})`,
      );
      options.onFailure?.(event, error);
      return false;
    }
    options.log(`async invocation failed (${error}); retrying in ${delays[attempt]} ms`);
    await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
  }
}

export interface UploadNotificationOptions {
  readonly uploadsBucket: string;
  readonly prefix: string;
  readonly region: string;
  /** The uploads topic (./topic-router.ts), which fans the message out by its subscriptions' filter policies. */
  readonly publish: (message: { body: string; subject: string }) => void;
}

/** Subscribes to s3rver's events and publishes uploads like the S3 → SNS notification. Returns a stopper. */
export function forwardUploads(
  onS3Event: (listener: (event: S3ObjectEvent) => void) => () => void,
  options: UploadNotificationOptions,
): { stop(): Promise<void> } {
  const send = (message: unknown): void =>
    options.publish({ body: JSON.stringify(message), subject: "Amazon S3 Notification" });
  // S3 sends a test event when a notification configuration is put on the bucket.
  send({
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: new Date().toISOString(),
    Bucket: options.uploadsBucket,
    RequestId: randomUUID(),
    HostId: "local",
  });
  const unsubscribe = onS3Event((event) => {
    for (const record of event.Records) {
      if (record.s3.bucket.name !== options.uploadsBucket) continue;
      if (!record.eventName.startsWith("ObjectCreated:") || !record.s3.object.key.startsWith(options.prefix))
        continue;
      send(s3NotificationFor(record, options.region));
    }
  });
  return {
    async stop() {
      unsubscribe();
    },
  };
}

export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: "INSERT";
  readonly eventVersion: "1.1";
  readonly eventSource: "aws:dynamodb";
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Record<string, AttributeValue>;
    readonly NewImage: Record<string, AttributeValue>;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: "NEW_IMAGE";
  };
  readonly eventSourceARN: string;
}

export interface StreamPollerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly keyAttributes: readonly string[];
  readonly region: string;
  readonly invoke: Invoke;
  readonly log: Log;
  /** @default 250 */
  readonly pollIntervalMs?: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** Retries per record before it goes to the on-failure destination. @default 3 */
  readonly maximumRetryAttempts?: number;
  readonly onFailure?: (records: readonly StreamRecord[], error: string) => void;
}

interface Pending {
  readonly record: StreamRecord;
  attempts: number;
}

/**
 * Polls the table and delivers every new item as an INSERT stream record, in order, one batch at a time,
 * honouring `batchItemFailures` (ReportBatchItemFailures), bisecting a batch whose invocation fails, and
 * giving up on a record after its retries.
 */
export class StreamPoller {
  private readonly seen = new Set<string>();
  private readonly pending: Pending[] = [];
  private sequence = 0n;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly streamArn: string;

  constructor(private readonly options: StreamPollerOptions) {
    this.streamArn = `arn:aws:dynamodb:${options.region}:${ACCOUNT}:table/${options.tableName}/stream/${new Date().toISOString().slice(0, 23)}`;
  }

  /** Starts at LATEST, like a new event-source mapping: items already in the table produce no records. */
  async start(): Promise<void> {
    for (const item of await this.scan()) this.seen.add(this.keyOf(item));
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.options.log(`stream poll failed: ${String(error)}`))
        .finally(() => this.schedule());
    }, this.options.pollIntervalMs ?? 250);
  }

  private keyOf(item: Record<string, AttributeValue>): string {
    return JSON.stringify(this.options.keyAttributes.map((name) => item[name]));
  }

  private async scan(): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private toRecord(item: Record<string, AttributeValue>): StreamRecord {
    this.sequence += 1n;
    const keys = Object.fromEntries(this.options.keyAttributes.map((name) => [name, item[name]]));
    const json = JSON.stringify(item);
    return {
      eventID: createHash("md5").update(`${this.sequence}:${json}`).digest("hex"),
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: keys,
        NewImage: item,
        SequenceNumber: (100000000000000000000n + this.sequence).toString(),
        SizeBytes: Buffer.byteLength(json),
        StreamViewType: "NEW_IMAGE",
      },
      eventSourceARN: this.streamArn,
    };
  }

  private async tick(): Promise<void> {
    for (const item of await this.scan()) {
      const key = this.keyOf(item);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.pending.push({ record: this.toRecord(item), attempts: 0 });
    }
    while (this.pending.length > 0 && !this.stopped) {
      const { retry, error } = await this.deliver(this.pending.splice(0, this.options.batchSize ?? 10));
      if (retry.length === 0) continue;
      for (const p of retry) p.attempts++;
      this.pending.unshift(...retry);
      this.dropExhausted(error);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Delivers one batch; returns what must be retried (the first failed record and every later one, in order). */
  private async deliver(batch: Pending[]): Promise<{ retry: Pending[]; error: string }> {
    const result = await this.options.invoke({ Records: batch.map((p) => p.record) });
    if (!result.ok) {
      const error = `${result.error.errorType}: ${result.error.errorMessage}`;
      if (batch.length === 1) return { retry: batch, error };
      // BisectBatchOnFunctionError: each half on its own, in order; stop at the first half that still fails.
      this.options.log(`stream batch of ${batch.length} failed (${error}); bisecting`);
      const half = Math.ceil(batch.length / 2);
      const first = await this.deliver(batch.slice(0, half));
      if (first.retry.length > 0)
        return { retry: [...first.retry, ...batch.slice(half)], error: first.error };
      return this.deliver(batch.slice(half));
    }
    const failures =
      (result.result as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | null)
        ?.batchItemFailures ?? [];
    if (failures.length === 0) return { retry: [], error: "" };
    // ReportBatchItemFailures: the mapping resumes from the lowest failed sequence number.
    const failedIds = new Set(failures.map((f) => f.itemIdentifier));
    const first = batch.findIndex((p) => failedIds.has(p.record.dynamodb.SequenceNumber));
    return {
      retry: first === -1 ? batch : batch.slice(first),
      error: `batchItemFailures: ${[...failedIds].join(", ")}`,
    };
  }

  private dropExhausted(error: string): void {
    const limit = this.options.maximumRetryAttempts ?? 3;
    const exhausted = this.pending.filter((p) => p.attempts > limit);
    if (exhausted.length === 0) return;
    this.pending.splice(0, this.pending.length, ...this.pending.filter((p) => p.attempts <= limit));
    const records = exhausted.map((p) => p.record);
    this.options.log(
      `${records.length} stream record(s) sent to the on-failure destination after ${limit} retries (${error})`,
    );
    this.options.onFailure?.(records, error);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
