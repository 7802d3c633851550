/**
 * Amazon SNS subscription filter policies: their type, and the one implementation of their matching rules that
 * the local event router applies (the stacks hand the same policy objects to Terraform). Follows the SNS
 * Developer Guide ("Amazon SNS subscription filter policies": string, numeric and key matching, AND/OR logic, `$or`).
 */

/** A value or operator in a property's list; the list matches when any of its entries does (OR). */
export type FilterCondition =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string | { readonly "equals-ignore-case": string } }
  | { readonly suffix: string | { readonly "equals-ignore-case": string } }
  | { readonly "equals-ignore-case": string }
  | {
      readonly "anything-but":
        | string
        | number
        | readonly (string | number)[]
        | { readonly prefix: string }
        | { readonly suffix: string };
    }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean };

/**
 * Property name → its conditions (AND across properties). With the MessageBody scope a property may hold a nested
 * policy for a nested object, and `$or` an array of alternative policies.
 */
export interface FilterPolicy {
  readonly [property: string]: readonly FilterCondition[] | FilterPolicy | readonly FilterPolicy[];
}

export type FilterPolicyScope = "MessageAttributes" | "MessageBody";

/** One SNS message attribute as published (`Binary` attributes are never compared). */
export interface MessageAttribute {
  readonly Type: string;
  readonly Value: string;
}

export interface PublishedMessage {
  readonly body: string;
  readonly attributes?: Readonly<Record<string, MessageAttribute>>;
}

/** A policy SNS would refuse (unknown operator, malformed numeric range, nesting with attribute scope). */
export class FilterPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilterPolicyError";
  }
}

type Leaf = string | number | boolean | null;
/** Dotted property path → every leaf value found there (array elements each count as a value). */
type Flat = Map<string, Leaf[]>;

function flattenBody(value: unknown, path: string, into: Flat): void {
  if (Array.isArray(value)) {
    // An empty array still means the key is present, with no value to match.
    if (value.length === 0 && path && !into.has(path)) into.set(path, []);
    for (const element of value) flattenBody(element, path, into);
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) flattenBody(child, path ? `${path}.${key}` : key, into);
  } else if (path) {
    const leaves = into.get(path) ?? [];
    leaves.push(value as Leaf);
    into.set(path, leaves);
  }
}

function flattenAttributes(attributes: Readonly<Record<string, MessageAttribute>>): Flat {
  const flat: Flat = new Map();
  for (const [name, { Type, Value }] of Object.entries(attributes)) {
    // Custom types ("String.url", "Number.float") compare as their base type.
    const base = Type === "String.Array" ? Type : Type.split(".")[0];
    if (base === "String") flat.set(name, [Value]);
    else if (base === "Number") flat.set(name, [Number(Value)]);
    else if (base === "String.Array") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Value);
      } catch {
        continue; // SNS rejects such a publish; nothing to match here
      }
      flat.set(name, Array.isArray(parsed) ? (parsed as Leaf[]) : [parsed as Leaf]);
    }
  }
  return flat;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function stringOperand(operand: unknown, operator: string): { text: string; ignoreCase: boolean } {
  if (typeof operand === "string") return { text: operand, ignoreCase: false };
  if (isPlainObject(operand) && typeof operand["equals-ignore-case"] === "string")
    return { text: operand["equals-ignore-case"], ignoreCase: true };
  throw new FilterPolicyError(`"${operator}" needs a string`);
}

function affix(value: Leaf, operand: unknown, operator: "prefix" | "suffix"): boolean {
  if (typeof value !== "string") return false;
  const { text, ignoreCase } = stringOperand(operand, operator);
  const [subject, wanted] = ignoreCase ? [value.toLowerCase(), text.toLowerCase()] : [value, text];
  return operator === "prefix" ? subject.startsWith(wanted) : subject.endsWith(wanted);
}

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function numeric(value: Leaf, range: readonly (string | number)[]): boolean {
  if (range.length === 0 || range.length % 2 !== 0 || range.length > 4)
    throw new FilterPolicyError(
      `"numeric" needs one or two operator/number pairs, got ${JSON.stringify(range)}`,
    );
  if (typeof value !== "number" || Number.isNaN(value)) return false;
  for (let i = 0; i < range.length; i += 2) {
    const compare = COMPARISONS[String(range[i])];
    if (!compare || typeof range[i + 1] !== "number")
      throw new FilterPolicyError(`"numeric" has an invalid pair ${JSON.stringify(range.slice(i, i + 2))}`);
    if (!compare(value, range[i + 1] as number)) return false;
  }
  return true;
}

function anythingBut(value: Leaf, operand: unknown): boolean {
  if (isPlainObject(operand)) {
    if ("prefix" in operand) return !affix(value, operand.prefix, "prefix");
    if ("suffix" in operand) return !affix(value, operand.suffix, "suffix");
    throw new FilterPolicyError(`"anything-but" accepts a value, a list, "prefix" or "suffix"`);
  }
  const excluded = Array.isArray(operand) ? (operand as unknown[]) : [operand];
  return !excluded.includes(value);
}

/** Whether one non-`exists` condition accepts one value. */
function conditionAccepts(condition: FilterCondition, value: Leaf): boolean {
  if (!isPlainObject(condition)) return condition === value;
  const [operator, ...others] = Object.keys(condition);
  if (others.length > 0)
    throw new FilterPolicyError(`a condition has one operator, got ${Object.keys(condition).join(", ")}`);
  const operand = (condition as Record<string, unknown>)[operator];
  switch (operator) {
    case "prefix":
    case "suffix":
      return affix(value, operand, operator);
    case "equals-ignore-case":
      return (
        typeof value === "string" &&
        value.toLowerCase() === stringOperand(operand, operator).text.toLowerCase()
      );
    case "anything-but":
      return anythingBut(value, operand);
    case "numeric":
      if (!Array.isArray(operand)) throw new FilterPolicyError(`"numeric" needs a list`);
      return numeric(value, operand as (string | number)[]);
    default:
      throw new FilterPolicyError(`unknown filter operator "${operator}"`);
  }
}

/** A property's list: any condition accepting any of its values (or its presence/absence for `exists`). */
function propertyMatches(conditions: readonly FilterCondition[], values: Leaf[] | undefined): boolean {
  return conditions.some((condition) => {
    if (isPlainObject(condition) && "exists" in condition) {
      // "exists": true needs a value that is not null; false needs the key to be absent.
      const present = values !== undefined && values.some((v) => v !== null);
      return condition.exists ? present : values === undefined;
    }
    return values !== undefined && values.some((value) => conditionAccepts(condition, value));
  });
}

/** `$or` is an operator only when it holds a list of more than one policy; otherwise it is a property name. */
function isOrOperator(key: string, value: unknown): value is readonly FilterPolicy[] {
  return key === "$or" && Array.isArray(value) && value.length > 1 && value.every(isPlainObject);
}

function policyMatches(policy: FilterPolicy, flat: Flat, path: string, nesting: boolean): boolean {
  return Object.entries(policy).every(([key, value]) => {
    if (isOrOperator(key, value)) return value.some((branch) => policyMatches(branch, flat, path, nesting));
    const at = path ? `${path}.${key}` : key;
    if (Array.isArray(value)) return propertyMatches(value as readonly FilterCondition[], flat.get(at));
    if (!isPlainObject(value)) throw new FilterPolicyError(`property "${at}" needs a list of conditions`);
    if (!nesting)
      throw new FilterPolicyError(`property "${at}" is nested, which only the MessageBody scope accepts`);
    return policyMatches(value as FilterPolicy, flat, at, nesting);
  });
}

/**
 * Whether a subscription with `policy` and `scope` receives `message`. A MessageBody policy needs a JSON object
 * body; a MessageAttributes policy never matches a message without attributes (not even `"exists": false`).
 */
export function matchesFilterPolicy(
  policy: FilterPolicy,
  message: PublishedMessage,
  scope: FilterPolicyScope = "MessageAttributes",
): boolean {
  if (scope === "MessageAttributes") {
    const attributes = message.attributes ?? {};
    if (Object.keys(attributes).length === 0) return Object.keys(policy).length === 0;
    return policyMatches(policy, flattenAttributes(attributes), "", false);
  }
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    return false;
  }
  if (!isPlainObject(body)) return false;
  const flat: Flat = new Map();
  flattenBody(body, "", flat);
  return policyMatches(policy, flat, "", true);
}
