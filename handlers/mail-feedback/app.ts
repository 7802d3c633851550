/**
 * The mail-feedback core: SES bounce and complaint events (SNS) → a mark on each subscriber that stops all mail to
 * it. Idempotent (the first mark's time is kept), so SNS's redeliveries and Lambda's retries are harmless; a
 * message that is not an SES event or a failed write fails the invocation, and after the retries the event lands
 * in the dead-letter queue.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SNSEvent } from "aws-lambda";
import { SUPPRESSION_MARKS, type SuppressionReason } from "../shared/mail-suppression";
import { MalformedFeedbackError, parseFeedback } from "./notification";

export interface MailFeedbackDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly logger: Logger;
  readonly config: { readonly subscribersTable: string };
}

export type MailFeedbackHandler = (event: SNSEvent) => Promise<void>;

export function createMailFeedbackHandler(deps: MailFeedbackDeps): MailFeedbackHandler {
  const { dynamo, logger, config } = deps;

  /**
   * An upsert, not a conditional update: an address that is not (or no longer) a subscriber is marked too, so a
   * later subscription of it is the API's "already subscribed" no-op and never mails it again.
   */
  async function mark(email: string, reason: SuppressionReason): Promise<void> {
    const attribute = SUPPRESSION_MARKS[reason];
    await dynamo.send(
      new UpdateCommand({
        TableName: config.subscribersTable,
        Key: { email },
        UpdateExpression: "SET #mark = if_not_exists(#mark, :now)",
        ExpressionAttributeNames: { "#mark": attribute },
        ExpressionAttributeValues: { ":now": new Date().toISOString() },
      }),
    );
  }

  return async (event) => {
    for (const record of event.Records) {
      const context = { messageId: record.Sns.MessageId };
      let feedback;
      try {
        feedback = parseFeedback(record.Sns.Message);
      } catch (err) {
        if (err instanceof MalformedFeedbackError)
          logger.error("Not an SES event: failing it so that it reaches the dead-letter queue", {
            ...context,
            problem: err.message,
          });
        throw err;
      }
      if (feedback.suppress === undefined) {
        logger.info("Mail feedback needs no mark", { ...context, ignored: feedback.ignored });
        continue;
      }
      for (const email of feedback.addresses) await mark(email, feedback.suppress);
      logger.info("Subscribers suppressed", {
        ...context,
        reason: feedback.suppress,
        count: feedback.addresses.length,
      });
    }
  };
}
