/** The mail-feedback function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv } from "../shared/env";
import { readEventEnv, type Env } from "../../shared/env-reader";

const schema = z.object({
  ...commonEnv,
  SUBSCRIBERS_TABLE: z.string(),
});

/** The variables as set (text), for the stacks and local environments to be checked against. */
export type MailFeedbackEnv = z.input<typeof schema>;
export type MailFeedbackConfig = z.output<typeof schema>;

export function loadMailFeedbackConfig(env: Env): MailFeedbackConfig {
  return readEventEnv("mail-feedback function", schema, env);
}
