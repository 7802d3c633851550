/**
 * How a configuration problem is worded: every message names the allowed values or form, never zod's bare
 * "Invalid input". Schema-level messages (config/schema.ts) win; this map words whatever they leave out.
 */
import { z } from "zod";

const quote = (value: unknown) => JSON.stringify(value);
const oneOf = (values: readonly unknown[]) =>
  values.length === 1 ? `must be ${quote(values[0])}` : `must be one of ${values.map(quote).join("|")}`;

const KINDS: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  record: "an object",
};

function kindOf(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "an object";
  if (typeof input === "number" && !Number.isInteger(input)) return `the number ${input}`;
  return `${typeof input} ${quote(input)}`;
}

function bound(
  issue: { origin: string; inclusive?: boolean },
  limit: unknown,
  direction: "at least" | "at most",
) {
  const strict = direction === "at least" ? "greater than" : "less than";
  switch (issue.origin) {
    case "array":
    case "set":
      return `must have ${direction} ${String(limit)} item${limit === 1 ? "" : "s"}`;
    case "string":
      return `must be ${direction} ${String(limit)} character${limit === 1 ? "" : "s"} long`;
    default:
      return issue.inclusive === false
        ? `must be ${strict} ${String(limit)}`
        : `must be ${direction} ${String(limit)}`;
  }
}

/** The per-parse error map `loadConfig` passes to zod. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `is required: ${KINDS[issue.expected] ?? issue.expected}`
        : `must be ${KINDS[issue.expected] ?? issue.expected}, not ${kindOf(issue.input)}`;
    case "invalid_value":
      return oneOf(issue.values);
    case "invalid_union": {
      if ("discriminator" in issue && Array.isArray(issue.options)) return oneOf(issue.options);
      const forms = issue.errors.map((alternative) => alternative.map((e) => e.message).join(", "));
      return `matches none of the allowed forms: ${forms.join("; or ")}`;
    }
    case "invalid_key":
      return `${quote(issue.input)} is not allowed as a key: ${issue.issues.map((e) => e.message).join("; ")}`;
    case "too_small":
      return bound(issue, issue.minimum, "at least");
    case "too_big":
      return bound(issue, issue.maximum, "at most");
    case "invalid_format":
      return issue.format === "regex"
        ? `must match ${issue.pattern ?? "its pattern"}`
        : `must be a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
};

/** Prefix of an unknown key's message; `loadConfig` reports one problem per unknown key under its own path. */
export const UNKNOWN_KEY = "is not a known key";

/** `z.strictObject` whose unknown-key message lists the keys that are allowed there. */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `${UNKNOWN_KEY}; allowed here: ${allowed}` : undefined,
  });
}

/** A production environment without alarm recipients: what to set, in the forms the schema accepts. */
export function noAlarmRecipients(env: string): string {
  return (
    `is empty, so the alarms of production environment ${env} reach nobody: set environments.${env}.alarmEmails ` +
    `to at least one address, or environments.${env}.alarmTopicSubscriptions to a list of ` +
    `{ "protocol": "email", "endpoint": "<address>" } | { "protocol": "https", "endpoint": "https://…" } | ` +
    `{ "protocol": "topic", "topicArn": "arn:aws:sns:<region>:<account>:<topic>" }`
  );
}
