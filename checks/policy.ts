/**
 * IAM policy documents as the rules read them. Policies reach the JSON as strings (`JSON.stringify` with
 * `${…}` references inside, which stay valid JSON) or as a reference to a `data.aws_iam_policy_document`.
 * Anything else (for example `${jsonencode(…)}`) cannot be read statically and is reported as such, never
 * silently passed.
 */
import { blocks, isObject, type Model, type Resource } from "./model";

export interface Statement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  /** `*` for anyone, else `<Type>:<identifier>` such as `Service:sns.amazonaws.com`. */
  readonly principals: readonly string[];
  readonly hasNotPrincipal: boolean;
  readonly actions: readonly string[];
  readonly hasNotAction: boolean;
  readonly resources: readonly string[];
  /** operator (lower case) → condition key (lower case) → values */
  readonly conditions: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

export type ParsedPolicy =
  | { readonly ok: true; readonly statements: readonly Statement[] }
  | { readonly ok: false; readonly error: string };

const list = (value: unknown): string[] =>
  value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map((v) => String(v));

function principalsOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (value === "*") return ["*"];
  if (!isObject(value)) return [String(value)];
  return Object.entries(value).flatMap(([type, ids]) =>
    list(ids).map((id) => (id === "*" ? "*" : `${type}:${id}`)),
  );
}

function conditionsOf(value: unknown): Map<string, Map<string, string[]>> {
  const result = new Map<string, Map<string, string[]>>();
  if (!isObject(value)) return result;
  for (const [operator, byKey] of Object.entries(value)) {
    if (!isObject(byKey)) continue;
    const keys = new Map<string, string[]>();
    for (const [key, values] of Object.entries(byKey)) keys.set(key.toLowerCase(), list(values));
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
    actions: list(raw.Action),
    hasNotAction: raw.NotAction !== undefined,
    resources: list(raw.Resource ?? raw.NotResource),
    conditions: conditionsOf(raw.Condition),
  };
}

/** `data.aws_iam_policy_document` blocks: statement { effect, actions, resources, principals, condition }. */
function fromPolicyDocument(doc: Resource): Statement[] {
  return blocks(doc.body.statement).map((s) => {
    const conditions = new Map<string, Map<string, string[]>>();
    for (const c of blocks(s.condition)) {
      const operator = String(c.test).toLowerCase();
      const keys = conditions.get(operator) ?? new Map<string, string[]>();
      keys.set(String(c.variable).toLowerCase(), list(c.values));
      conditions.set(operator, keys);
    }
    return {
      sid: typeof s.sid === "string" ? s.sid : undefined,
      effect: s.effect === "Deny" ? "Deny" : "Allow",
      principals: blocks(s.principals).flatMap((p) =>
        list(p.identifiers).map((id) => (id === "*" ? "*" : `${String(p.type)}:${id}`)),
      ),
      hasNotPrincipal: blocks(s.not_principals).length > 0,
      actions: list(s.actions),
      hasNotAction: list(s.not_actions).length > 0,
      resources: list(s.resources ?? s.not_resources),
      conditions,
    };
  });
}

/** Parses a policy attribute of a resource in `stack`. */
export function parsePolicy(model: Model, stack: string, value: unknown): ParsedPolicy {
  if (value === undefined || value === null) return { ok: true, statements: [] };
  if (isObject(value)) return fromDocument(value);
  if (typeof value !== "string")
    return { ok: false, error: "the policy is neither a JSON string nor an object" };
  const trimmed = value.trim();
  if (trimmed.startsWith("{")) {
    try {
      return fromDocument(JSON.parse(trimmed) as unknown);
    } catch (e) {
      return { ok: false, error: `the policy is not valid JSON (${(e as Error).message})` };
    }
  }
  const docs = model.referencedBy(stack, trimmed).filter((r) => r.type === "aws_iam_policy_document");
  if (/^\$\{data\.aws_iam_policy_document\.[\w-]+\.json\}$/.test(trimmed) && docs.length === 1) {
    return { ok: true, statements: fromPolicyDocument(docs[0]) };
  }
  return {
    ok: false,
    error: `the policy ${trimmed.slice(0, 60)} cannot be read statically; build it with JSON.stringify or aws_iam_policy_document`,
  };
}

function fromDocument(doc: unknown): ParsedPolicy {
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

/** Does the statement's condition pin it to an account, organization, source or endpoint? */
export function isScopedByCondition(statement: Statement): boolean {
  const scopingKeys = [
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:principalarn",
  ];
  for (const keys of statement.conditions.values()) {
    for (const key of keys.keys()) if (scopingKeys.includes(key)) return true;
  }
  return false;
}

export function isPublicPrincipal(statement: Statement): boolean {
  return statement.principals.some((p) => p === "*" || p === "AWS:*");
}

/** Label for messages: the Sid, else the position. */
export function statementLabel(statement: Statement, index: number): string {
  return statement.sid ? `statement "${statement.sid}"` : `statement #${index + 1}`;
}
