/** SES v1 `SendEmail` of the welcome message; throttling is retried by the client (see `createSesClient`). */
import { SendEmailCommand, SESClient } from "@aws-sdk/client-ses";
import { renderWelcomeEmail, type WelcomeValues } from "./template";

export interface WelcomeMessage {
  readonly sender: string;
  readonly configurationSet?: string;
  readonly to: string;
  readonly values: WelcomeValues;
}

/**
 * SES answers `Throttling` ("Maximum sending rate exceeded") when the account's per-second quota is hit. The SDK
 * classifies it as a throttling error; adaptive mode retries it with exponential backoff and jitter and slows this
 * client's own sending rate for the next calls.
 */
export function createSesClient(options: { readonly maxAttempts?: number } = {}): SESClient {
  return new SESClient({ retryMode: "adaptive", maxAttempts: options.maxAttempts ?? 6 });
}

export async function sendWelcomeEmail(ses: SESClient, message: WelcomeMessage): Promise<string> {
  const email = renderWelcomeEmail(message.values);
  const result = await ses.send(
    new SendEmailCommand({
      Source: message.sender,
      Destination: { ToAddresses: [message.to] },
      Message: {
        Subject: { Data: email.subject, Charset: "UTF-8" },
        Body: { Text: { Data: email.text, Charset: "UTF-8" }, Html: { Data: email.html, Charset: "UTF-8" } },
      },
      ConfigurationSetName: message.configurationSet,
    }),
  );
  // SendEmail always returns a MessageId on success; an empty one would mean a broken endpoint.
  if (!result.MessageId) throw new Error("SES SendEmail succeeded without a MessageId");
  return result.MessageId;
}
