/** The welcome-email function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv } from "../shared/env";
import { readEventEnv, type Env } from "../../shared/env-reader";

/** `someone@example.com` or `Display Name <someone@example.com>`, as SES accepts for `Source`. */
const sender = z
  .string()
  .check(
    z.regex(
      /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/,
      "must be an e-mail address, optionally with a display name: Blog <no-reply@example.com>",
    ),
  );

/** The address the e-mail links to, from SITE_URL or from the SSM parameter. */
export const siteUrl = z.url({
  protocol: /^https?$/,
  error: "must be an http(s) URL such as https://blog.example.com",
});

const schema = z
  .object({
    ...commonEnv,
    SES_SENDER: sender,
    /** Optional locally: the stacks always set it in AWS. */
    SES_CONFIGURATION_SET: z.optional(z.string()),
    SUBSCRIBERS_TABLE: z.string(),
    IDEMPOTENCY_TABLE: z.string(),
    /** The site's address, where it is known up front (local environments, tests). */
    SITE_URL: z.optional(siteUrl),
    /**
     * In AWS: the SSM parameter the edge stack writes the site's address to (events is upstream of edge, so the
     * address is not known when this function is configured). Read with the first e-mail, once per container.
     */
    SITE_URL_PARAMETER: z.optional(
      z.string().check(z.regex(/^\//, "must be a parameter name starting with /")),
    ),
  })
  .check(
    z.superRefine((env, ctx) => {
      if (env.SITE_URL !== undefined && env.SITE_URL_PARAMETER !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["SITE_URL_PARAMETER"],
          message: "must not be set with SITE_URL",
        });
      } else if (env.SITE_URL === undefined && env.SITE_URL_PARAMETER === undefined) {
        // Not a variable's name: the message then reads "SITE_URL or SITE_URL_PARAMETER is not set".
        ctx.addIssue({ code: "custom", path: ["SITE_URL or SITE_URL_PARAMETER"], message: "is not set" });
      }
    }),
  );

type Variables = z.input<typeof schema>;
/** The variables as set (text): SITE_URL or SITE_URL_PARAMETER, exactly one, checked at compile time too. */
export type WelcomeEmailEnv = Omit<Variables, "SITE_URL" | "SITE_URL_PARAMETER"> &
  (
    | { readonly SITE_URL: string; readonly SITE_URL_PARAMETER?: never }
    | { readonly SITE_URL?: never; readonly SITE_URL_PARAMETER: string }
  );
export type WelcomeEmailConfig = z.output<typeof schema>;

export function loadWelcomeEmailConfig(env: Env): WelcomeEmailConfig {
  return readEventEnv("welcome-email function", schema, env);
}
