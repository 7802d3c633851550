/**
 * The one integer parser: a whole number from its decimal text (digits only: no sign, spaces, fraction, exponent or
 * hex), within bounds, for environment variables and command-line options alike.
 */
import * as z from "zod/mini";

/** `must be a whole number from 1 to 100` (or `of at least 30` without an upper bound). */
const rule = (min: number, max: number) =>
  `must be a whole number ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}`;

/**
 * The schema of the text; its one message states the rule and the text given (a number is never a secret), or
 * `message` in its place (e.g. for an item of a list).
 */
export const wholeNumber = (min: number, max = Infinity, message?: string) =>
  z.pipe(
    z.string().check(
      z.refine((text) => /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max, {
        error: (issue) => message ?? `${rule(min, max)}, got "${String(issue.input)}"`,
      }),
    ),
    z.transform((text: string) => Number(text)),
  );

/** The same outside a schema (command-line options): the number, or `fail("<name> must be …, got "…"")`. */
export function parseWholeNumber(
  name: string,
  text: string,
  bounds: { readonly min: number; readonly max?: number },
  fail: (message: string) => Error,
): number {
  const parsed = wholeNumber(bounds.min, bounds.max).safeParse(text);
  if (parsed.success) return parsed.data;
  throw fail(`${name} ${parsed.error.issues[0]?.message ?? rule(bounds.min, bounds.max ?? Infinity)}`);
}
