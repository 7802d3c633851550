/**
 * Reads SES's bounce and complaint events (the JSON SES publishes to SNS) into the addresses to suppress.
 * Configuration-set event publishing names the type `eventType`; identity feedback notifications name it
 * `notificationType`: both are read. SES may add fields, so unknown ones are ignored.
 */
import * as z from "zod/mini";
import type { SuppressionReason } from "../shared/mail-suppression";

/** The message is no SES event: retrying will not help, it belongs in the dead-letter queue. */
export class MalformedFeedbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedFeedbackError";
  }
}

const recipients = z.array(z.object({ emailAddress: z.string().check(z.minLength(3)) }));
const event = z.object({
  eventType: z.optional(z.string()),
  notificationType: z.optional(z.string()),
  bounce: z.optional(z.object({ bounceType: z.string(), bouncedRecipients: recipients })),
  complaint: z.optional(z.object({ complainedRecipients: recipients })),
});

export type Feedback =
  | { readonly suppress: SuppressionReason; readonly addresses: readonly string[] }
  /** A transient or undetermined bounce, or an event type this function does not act on. */
  | { readonly suppress?: undefined; readonly ignored: string };

export function parseFeedback(message: string): Feedback {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new MalformedFeedbackError("The SNS message is not JSON");
  }
  const parsed = event.safeParse(json);
  if (!parsed.success) throw new MalformedFeedbackError(`Not an SES event: ${z.prettifyError(parsed.error)}`);
  const { bounce, complaint } = parsed.data;
  const type = parsed.data.eventType ?? parsed.data.notificationType;
  const addresses = (list: readonly { emailAddress: string }[]) =>
    // Subscribers are keyed by the lower-cased address (handlers/welcome-email/subscriber.ts reads them so).
    list.map((r) => r.emailAddress.trim().toLowerCase());
  if (type === "Bounce") {
    if (!bounce) throw new MalformedFeedbackError("A Bounce event without its bounce object");
    // Transient (mailbox full, too large) and Undetermined bounces may deliver next time: no mark.
    if (bounce.bounceType !== "Permanent") return { ignored: `${bounce.bounceType} bounce` };
    return { suppress: "bounce", addresses: addresses(bounce.bouncedRecipients) };
  }
  if (type === "Complaint") {
    if (!complaint) throw new MalformedFeedbackError("A Complaint event without its complaint object");
    return { suppress: "complaint", addresses: addresses(complaint.complainedRecipients) };
  }
  if (type === undefined)
    throw new MalformedFeedbackError("Not an SES event: no eventType or notificationType");
  return { ignored: `${type} event` };
}
