/** The welcome-email function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv, readEventEnv, type Env } from "../shared/env";

/** `someone@example.com` or `Display Name <someone@example.com>`, as SES accepts for `Source`. */
const sender = z
  .string()
  .check(
    z.regex(
      /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/,
      "must be an e-mail address, optionally with a display name: Blog <no-reply@example.com>",
    ),
  );

const schema = z.object({
  ...commonEnv,
  SES_SENDER: sender,
  /** Optional locally: the stacks always set it in AWS. */
  SES_CONFIGURATION_SET: z.optional(z.string()),
  SUBSCRIBERS_TABLE: z.string(),
  IDEMPOTENCY_TABLE: z.string(),
  SITE_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://blog.example.com" }),
});

export type WelcomeEmailConfig = z.output<typeof schema>;

export function loadWelcomeEmailConfig(env: Env): WelcomeEmailConfig {
  return readEventEnv("welcome-email", schema, env);
}
