/**
 * The event flows, wired to their functions: uploads → the uploads topic, fanned out by the deployed filter
 * policies to thumbnail (asynchronous) and to the upload-stats queue; new subscribers → welcome e-mail (DynamoDB
 * stream); what exhausts its retries is kept as a dead letter.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AwsLocal } from "../local/aws-local";
import { UPLOAD_SUBSCRIPTIONS } from "../lib/upload-subscriptions";
import { forwardUploads, StreamPoller, type StreamRecord } from "./event-sources";
import { prefixed, type CleanupStack, type Log } from "./lifecycle";
import type { LocalLambda } from "./local-lambda";
import { LOCAL_NAMES, LOCAL_TABLES, LOCAL_REGION } from "./services";
import {
  lambdaSubscription,
  LocalQueue,
  LocalTopic,
  queueSubscription,
  type LocalSubscription,
} from "./topic-router";

/** An event or records that exhausted their retries (what would sit in the DLQ / on-failure destination). */
export interface DeadLetter {
  readonly source: string;
  readonly error: string;
  readonly payload: unknown;
}

export interface EventFlowsOptions {
  readonly aws: AwsLocal;
  readonly dynamo: DynamoDBClient;
  /** Absent when its handler does not exist yet: that flow is then not connected. */
  readonly thumbnail?: LocalLambda;
  readonly uploadStats?: LocalLambda;
  readonly welcome?: LocalLambda;
  readonly log: Log;
  readonly deadLetters: DeadLetter[];
}

export async function connectEventFlows(cleanup: CleanupStack, options: EventFlowsOptions): Promise<void> {
  const { thumbnail, uploadStats, welcome, deadLetters } = options;
  const subscriptions: LocalSubscription[] = [];
  if (thumbnail) {
    subscriptions.push(
      lambdaSubscription("thumbnail", LOCAL_NAMES.uploadsTopicArn, {
        ...UPLOAD_SUBSCRIPTIONS.thumbnail,
        invoke: (event) => thumbnail.invoke(event),
        log: prefixed("uploads → thumbnail", options.log),
        onFailure: (payload, error) => deadLetters.push({ source: "thumbnail", error, payload }),
      }),
    );
  }
  if (uploadStats) {
    const queue = new LocalQueue({
      queueArn: LOCAL_NAMES.uploadStatsQueueArn,
      region: LOCAL_REGION,
      invoke: (event) => uploadStats.invoke(event),
      log: prefixed("uploads → upload-stats queue", options.log),
      onDeadLetter: (payload, error) => deadLetters.push({ source: "upload-stats", error, payload }),
    });
    cleanup.adopt(queue);
    subscriptions.push(queueSubscription("upload-stats", queue, UPLOAD_SUBSCRIPTIONS["upload-stats"]));
  }
  if (subscriptions.length > 0) {
    const topic = cleanup.adopt(new LocalTopic(LOCAL_NAMES.uploadsTopicArn, subscriptions));
    cleanup.adopt(
      forwardUploads((listener) => options.aws.onS3Event(listener), {
        uploadsBucket: LOCAL_NAMES.uploadsBucket,
        prefix: "uploads/",
        region: LOCAL_REGION,
        publish: (message) => topic.publish(message),
      }),
    );
  }
  if (welcome) {
    const stream = new StreamPoller({
      client: options.dynamo,
      tableName: LOCAL_TABLES.subscribers,
      keyAttributes: ["email"],
      region: LOCAL_REGION,
      invoke: (event) => welcome.invoke(event),
      log: prefixed("subscribers stream → welcome-email", options.log),
      onFailure: (records: readonly StreamRecord[], error) =>
        deadLetters.push({ source: "welcome-email", error, payload: records }),
    });
    await stream.start();
    cleanup.adopt(stream);
  }
}
