/**
 * The site address the welcome e-mail links to: SITE_URL as set, or in AWS the SSM parameter that the edge stack
 * writes, read with the first e-mail and kept for the container (a failed read is retried with the next record).
 */
import { ConfigError } from "../../shared/config-error";
import { siteUrl, type WelcomeEmailConfig } from "./config";

export type SiteUrl = () => Promise<string>;
/** The value of one SSM parameter (decrypted), undefined when it has none. */
export type ParameterReader = (name: string) => Promise<string | undefined>;

export function siteUrlSource(
  config: Pick<WelcomeEmailConfig, "SITE_URL" | "SITE_URL_PARAMETER">,
  readParameter: ParameterReader,
): SiteUrl {
  const known = config.SITE_URL;
  if (known !== undefined) return () => Promise.resolve(known);
  const name = config.SITE_URL_PARAMETER ?? "";
  let read: Promise<string> | undefined;
  return () => {
    read ??= readParameter(name)
      .then((value) => {
        const parsed = siteUrl.safeParse(value);
        if (!parsed.success) throw new ConfigError(`The SSM parameter ${name} holds no http(s) URL`);
        return parsed.data;
      })
      .catch((error: unknown) => {
        read = undefined;
        throw error;
      });
    return read;
  };
}

/** Reads with the SDK's SSM client, loaded with the first read so that cold starts never pay for it. */
export const ssmParameterReader: ParameterReader = async (name) =>
  (await import("./ssm-parameter")).getParameter(name);
