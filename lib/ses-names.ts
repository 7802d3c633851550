/**
 * The SES configuration set's name and ARN, known before it exists: the events stack creates it, and the network
 * layer's key and ops-topic policies (upstream, so they cannot read it) admit SES on exactly this ARN.
 */
import type { Names } from "./naming";

export function sesConfigurationSetName(names: Names): string {
  return names.resource("mail");
}

export function sesConfigurationSetArn(names: Names, region: string, accountId: string): string {
  return `arn:aws:ses:${region}:${accountId}:configuration-set/${sesConfigurationSetName(names)}`;
}
