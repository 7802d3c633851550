/**
 * IAM policy documents in the JSON policy language, read into normalised statements: the one reading that the
 * rule pack (synthesized JSON) and the plan summary (Terraform's plan JSON) both judge.
 */

export interface Statement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  /** `*` for anyone, else `<Type>:<identifier>` such as `Service:sns.amazonaws.com`. */
  readonly principals: readonly string[];
  readonly hasNotPrincipal: boolean;
  readonly actions: readonly string[];
  readonly hasNotAction: boolean;
  /** `Resource`, or `NotResource` when hasNotResource. */
  readonly resources: readonly string[];
  readonly hasNotResource: boolean;
  /** operator (lower case) → condition key (lower case) → values */
  readonly conditions: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

export type ParsedPolicy =
  | { readonly ok: true; readonly statements: readonly Statement[] }
  | { readonly ok: false; readonly error: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A policy value that may be one string or a list, as a list of strings. */
export const stringList = (value: unknown): string[] =>
  value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map((v) => String(v));

/** A `*` identifier of any principal type means anyone, as `"Principal": "*"` does. */
export const principal = (type: string, id: string) => (id === "*" ? "*" : `${type}:${id}`);

function principalsOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (value === "*") return ["*"];
  if (!isObject(value)) return [String(value)];
  return Object.entries(value).flatMap(([type, ids]) => stringList(ids).map((id) => principal(type, id)));
}

function conditionsOf(value: unknown): Map<string, Map<string, string[]>> {
  const result = new Map<string, Map<string, string[]>>();
  if (!isObject(value)) return result;
  for (const [operator, byKey] of Object.entries(value)) {
    if (!isObject(byKey)) continue;
    const keys = new Map<string, string[]>();
    for (const [key, values] of Object.entries(byKey)) keys.set(key.toLowerCase(), stringList(values));
    result.set(operator.toLowerCase(), keys);
  }
  return result;
}

function fromJsonStatement(raw: unknown, index: number): Statement | string {
  if (!isObject(raw)) return `statement #${index + 1} is not an object`;
  if (raw.Effect !== "Allow" && raw.Effect !== "Deny")
    return `statement #${index + 1} has no Effect Allow/Deny`;
  return {
    sid: typeof raw.Sid === "string" ? raw.Sid : undefined,
    effect: raw.Effect,
    principals: principalsOf(raw.Principal),
    hasNotPrincipal: raw.NotPrincipal !== undefined,
    actions: stringList(raw.Action),
    hasNotAction: raw.NotAction !== undefined,
    resources: stringList(raw.Resource ?? raw.NotResource),
    hasNotResource: raw.Resource === undefined && raw.NotResource !== undefined,
    conditions: conditionsOf(raw.Condition),
  };
}

/** A parsed policy document (`{ "Statement": … }`); one statement that is not one makes it unreadable. */
export function parsePolicyDocument(doc: unknown): ParsedPolicy {
  if (!isObject(doc)) return { ok: false, error: "the policy document is not an object" };
  const raw = doc.Statement;
  const statements: Statement[] = [];
  for (const [i, s] of (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).entries()) {
    const parsed = fromJsonStatement(s, i);
    if (typeof parsed === "string") return { ok: false, error: parsed };
    statements.push(parsed);
  }
  return { ok: true, statements };
}

/** A policy document as JSON text. */
export function parsePolicyJson(text: string): ParsedPolicy {
  try {
    return parsePolicyDocument(JSON.parse(text) as unknown);
  } catch (e) {
    return { ok: false, error: `the policy is not valid JSON (${(e as Error).message})` };
  }
}
