/**
 * The marks on a subscriber item that stop all mail to it: written by mail-feedback from SES's bounce and complaint
 * events, read by welcome-email before it sends.
 */
export const SUPPRESSION_MARKS = {
  /** A permanent (hard) bounce: the address does not exist or refuses mail for good. */
  bounce: "bouncedAt",
  /** The recipient marked our mail as spam. */
  complaint: "complainedAt",
} as const;

export type SuppressionReason = keyof typeof SUPPRESSION_MARKS;

/** Why mail to this item must not go out, or undefined when it may. */
export function suppressedBy(item: Readonly<Record<string, unknown>>): SuppressionReason | undefined {
  for (const [reason, attribute] of Object.entries(SUPPRESSION_MARKS))
    if (item[attribute] !== undefined) return reason as SuppressionReason;
  return undefined;
}
