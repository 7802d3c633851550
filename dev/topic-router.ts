/**
 * The uploads topic run locally: a published message goes to each subscription whose filter policy accepts it
 * (the matcher of shared/sns-filter-policy.ts, with the policies the events stack deploys), to a Lambda
 * subscriber as an SNS notification delivered asynchronously, or raw to a local SQS queue that feeds a function
 * the way an SQS event-source mapping does (batches, partial batch failures, redrive after maxReceiveCount).
 */
import { randomUUID } from "crypto";
import {
  matchesFilterPolicy,
  type FilterPolicy,
  type FilterPolicyScope,
  type MessageAttribute,
} from "../shared/sns-filter-policy";
import { deliverAsync, snsEvent, type AsyncDeliveryOptions, type Invoke, type Log } from "./event-sources";

export interface TopicMessage {
  readonly body: string;
  readonly subject: string;
  readonly attributes?: Readonly<Record<string, MessageAttribute>>;
}

export interface LocalSubscription {
  readonly name: string;
  /** @default every message */
  readonly filterPolicy?: FilterPolicy;
  readonly filterPolicyScope?: FilterPolicyScope;
  readonly deliver: (message: TopicMessage) => Promise<unknown> | void;
}

export class LocalTopic {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly topicArn: string,
    private readonly subscriptions: readonly LocalSubscription[],
  ) {}

  /** Delivers to every matching subscription; returns their names. */
  publish(message: TopicMessage): string[] {
    const matching = this.subscriptions.filter(
      (s) =>
        !s.filterPolicy ||
        matchesFilterPolicy(s.filterPolicy, message, s.filterPolicyScope ?? "MessageAttributes"),
    );
    for (const subscription of matching) {
      const delivery = Promise.resolve(subscription.deliver(message));
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
    return matching.map((s) => s.name);
  }

  /** Waits for the deliveries under way. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

/** A Lambda subscriber: SNS wraps the message in a notification and invokes asynchronously (retries, then DLQ). */
export function lambdaSubscription(
  name: string,
  topicArn: string,
  options: AsyncDeliveryOptions & Pick<LocalSubscription, "filterPolicy" | "filterPolicyScope">,
): LocalSubscription {
  return {
    name,
    filterPolicy: options.filterPolicy,
    filterPolicyScope: options.filterPolicyScope,
    deliver: (message) => deliverAsync(snsEvent(topicArn, message.subject, message.body), options),
  };
}

/** An SQS subscriber with raw message delivery: the queue receives the message body itself. */
export function queueSubscription(
  name: string,
  queue: LocalQueue,
  filter: Pick<LocalSubscription, "filterPolicy" | "filterPolicyScope">,
): LocalSubscription {
  return { name, ...filter, deliver: (message) => queue.send(message.body) };
}

export interface LocalQueueOptions {
  readonly queueArn: string;
  readonly region: string;
  readonly invoke: Invoke;
  readonly log: Log;
  /** @default 10 */
  readonly batchSize?: number;
  /** Receives before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** How long a failed message stays invisible. @default 500 (AWS: the visibility timeout) */
  readonly retryDelayMs?: number;
  /** The dead-letter queue. */
  readonly onDeadLetter?: (body: string, error: string) => void;
}

interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
}

/** A queue and its event-source mapping: one batch at a time, in arrival order. */
export class LocalQueue {
  private readonly visible: QueuedMessage[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private pumping: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LocalQueueOptions) {}

  send(body: string): Promise<void> {
    this.visible.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 });
    return this.pump();
  }

  private pump(): Promise<void> {
    this.pumping ??= this.drain().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private async drain(): Promise<void> {
    while (this.visible.length > 0 && !this.stopped) {
      const batch = this.visible.splice(0, this.options.batchSize ?? 10);
      for (const message of batch) message.receiveCount += 1;
      const result = await this.options.invoke({ Records: batch.map((m) => this.record(m)) });
      let failed: QueuedMessage[];
      let error: string;
      if (!result.ok) {
        failed = batch;
        error = `${result.error.errorType}: ${result.error.errorMessage}`;
      } else {
        const ids = new Set(
          (
            (result.result as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | null)
              ?.batchItemFailures ?? []
          ).map((f) => f.itemIdentifier),
        );
        failed = batch.filter((m) => ids.has(m.messageId));
        error = "reported in batchItemFailures";
      }
      for (const message of failed) this.retryOrRedrive(message, error);
    }
  }

  private retryOrRedrive(message: QueuedMessage, error: string): void {
    const limit = this.options.maxReceiveCount ?? 5;
    if (message.receiveCount >= limit) {
      this.options.log(
        `message ${message.messageId} moved to the dead-letter queue after ${limit} receives (${error})`,
      );
      this.options.onDeadLetter?.(message.body, error);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.visible.push(message);
      void this.pump();
    }, this.options.retryDelayMs ?? 500);
    this.timers.add(timer);
  }

  private record(message: QueuedMessage): Record<string, unknown> {
    return {
      messageId: message.messageId,
      receiptHandle: randomUUID(),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: "sns.amazonaws.com",
        ApproximateFirstReceiveTimestamp: String(message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.pumping;
  }
}
