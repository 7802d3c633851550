/**
 * The welcome-email core: DynamoDB stream batch → one welcome e-mail per new subscriber.
 *
 * - Powertools batch processing reports failed records in `batchItemFailures`; the event-source mapping retries
 *   from the first failed record (bisecting on error) and, after its finite retries, sends the rest to the
 *   on-failure destination.
 * - Every record of a batch is attempted, so one bad record never holds back its neighbours; the neighbours that a
 *   retry delivers again are not e-mailed twice because sending is idempotent per subscriber (Powertools idempotency
 *   on the idempotency table, keyed by the e-mail address) and also skipped once `welcomedAt` is set.
 * - An address that hard-bounced or complained (`bouncedAt`, `complainedAt`, written by mail-feedback) is never mailed.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { Logger } from "@aws-lambda-powertools/logger";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { SESClient } from "@aws-sdk/client-ses";
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { SUPPRESSION_MARKS, suppressedBy, type SuppressionReason } from "../shared/mail-suppression";
import { sendWelcomeEmail } from "./send";
import type { SiteUrl } from "./site-url";
import { MalformedRecordError, parseSubscriber, type Subscriber } from "./subscriber";

export interface WelcomeEmailDeps {
  readonly ses: SESClient;
  readonly dynamo: DynamoDBDocumentClient;
  /** Where Powertools keeps the idempotency records (the idempotency table in AWS). */
  readonly idempotencyStore: BasePersistenceLayer;
  readonly logger: Logger;
  readonly config: {
    readonly sender: string;
    readonly configurationSet?: string;
    readonly subscribersTable: string;
    /** The address the e-mail links to, or where to get it (see ./site-url.ts). */
    readonly siteUrl: string | SiteUrl;
    /**
     * How long a subscriber's idempotency record lasts. It must outlive every retry of the stream record
     * (stream records live 24 hours).
     * @default 172800 (48 hours)
     */
    readonly idempotencyTtlSeconds?: number;
  };
}

export type WelcomeOutcome =
  | { readonly status: "sent"; readonly messageId: string }
  | {
      readonly status: "skipped";
      readonly reason: "already-welcomed" | "unsubscribed" | SuppressionReason;
    };

export type WelcomeEmailHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse>;

export function createWelcomeEmailHandler(deps: WelcomeEmailDeps): WelcomeEmailHandler {
  const { dynamo, logger, config } = deps;
  const configured = config.siteUrl;
  const siteUrl: SiteUrl = typeof configured === "string" ? () => Promise.resolve(configured) : configured;
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: "email",
    expiresAfterSeconds: config.idempotencyTtlSeconds ?? 48 * 3600,
  });

  async function welcome(subscriber: Subscriber): Promise<WelcomeOutcome> {
    const current = await dynamo.send(
      new GetCommand({
        TableName: config.subscribersTable,
        Key: { email: subscriber.email },
        ConsistentRead: true,
        ProjectionExpression: ["email", "welcomedAt", ...Object.values(SUPPRESSION_MARKS)].join(", "),
      }),
    );
    if (!current.Item) return { status: "skipped", reason: "unsubscribed" };
    // A hard bounce or a complaint (handlers/mail-feedback) stops all mail to the address, this one included.
    const suppressed = suppressedBy(current.Item);
    if (suppressed) return { status: "skipped", reason: suppressed };
    if (current.Item.welcomedAt !== undefined) return { status: "skipped", reason: "already-welcomed" };

    const url = await siteUrl();
    const messageId = await sendWelcomeEmail(deps.ses, {
      sender: config.sender,
      configurationSet: config.configurationSet,
      to: subscriber.email,
      values: {
        name: subscriber.name ?? "there",
        email: subscriber.email,
        siteName: new URL(url).host,
        siteUrl: url,
      },
    });
    await markWelcomed(subscriber.email);
    return { status: "sent", messageId };
  }

  /**
   * Records the welcome on the subscriber. The e-mail has gone out at this point, so a failure here must not fail
   * the record (a retry would send again): the idempotency record already prevents a second e-mail.
   */
  async function markWelcomed(email: string): Promise<void> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: config.subscribersTable,
          Key: { email },
          UpdateExpression: "SET welcomedAt = :now",
          ConditionExpression: "attribute_exists(email) AND attribute_not_exists(welcomedAt)",
          ExpressionAttributeValues: { ":now": new Date().toISOString() },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return;
      logger.warn("E-mail sent but welcomedAt could not be recorded", { email, error: err as Error });
    }
  }

  const welcomeOnce = makeIdempotent(welcome, {
    persistenceStore: deps.idempotencyStore,
    config: idempotencyConfig,
    // A fixed prefix (instead of the Lambda function name) keeps the keys valid across renames and redeploys.
    keyPrefix: "welcome-email",
  });

  async function handleRecord(record: DynamoDBRecord): Promise<WelcomeOutcome | undefined> {
    const context = { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber };
    // The mapping filters INSERT; MODIFY records (our own welcomedAt writes) still arrive where no filter exists.
    if (record.eventName !== "INSERT") {
      logger.debug("Ignoring a non-INSERT stream record", { ...context, eventName: record.eventName });
      return undefined;
    }
    try {
      const outcome = await welcomeOnce(parseSubscriber(record));
      logger.info("Welcome e-mail processed", { ...context, ...outcome });
      return outcome;
    } catch (err) {
      if (err instanceof MalformedRecordError) {
        logger.error(
          "Malformed subscriber record: failing it so that it reaches the on-failure destination",
          {
            ...context,
            problems: err.problems,
            keys: record.dynamodb?.Keys,
          },
        );
      } else {
        logger.error("Welcome e-mail failed; the record will be retried", {
          ...context,
          error: err as Error,
        });
      }
      throw err;
    }
  }

  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  return async (event, context) => {
    idempotencyConfig.registerLambdaContext(context);
    return processPartialResponse(event, handleRecord, processor, {
      context,
      // Sequential: SES sending quotas are per second, and parallel sends would only meet throttling sooner.
      processInParallel: false,
      // A batch whose records all failed is reported like any other, so the mapping's retry and bisect logic
      // (and finally the on-failure destination) treat it the same way.
      throwOnFullBatchFailure: false,
    });
  };
}
