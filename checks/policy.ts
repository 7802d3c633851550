/**
 * IAM policy documents as the rules read them. Policies reach the JSON as strings (`JSON.stringify` with
 * `${…}` references inside, which stay valid JSON), as `${jsonencode(…)}` of a literal (`Fn.jsonencode`), or as
 * a reference to a `data.aws_iam_policy_document`. Anything else (a jsonencode of a function's result, say)
 * cannot be read statically and is reported as such, never silently passed. What makes a statement public is
 * decided in shared/public-access.ts, with the summary.
 */
import {
  parsePolicyDocument,
  parsePolicyJson,
  principal,
  stringList,
  type ParsedPolicy,
  type Statement,
} from "../shared/policy-document";
import { readJsonencode } from "../shared/jsonencode";
import { blocks, isObject, type Model, type Resource } from "./model";

export type { ParsedPolicy, Statement } from "../shared/policy-document";

/** `data.aws_iam_policy_document` blocks: statement { effect, actions, resources, principals, condition }. */
function fromPolicyDocument(doc: Resource): Statement[] {
  return blocks(doc.body.statement).map((s) => {
    const conditions = new Map<string, Map<string, string[]>>();
    for (const c of blocks(s.condition)) {
      const operator = String(c.test).toLowerCase();
      const keys = conditions.get(operator) ?? new Map<string, string[]>();
      keys.set(String(c.variable).toLowerCase(), stringList(c.values));
      conditions.set(operator, keys);
    }
    return {
      sid: typeof s.sid === "string" ? s.sid : undefined,
      effect: s.effect === "Deny" ? "Deny" : "Allow",
      principals: blocks(s.principals).flatMap((p) =>
        stringList(p.identifiers).map((id) => principal(String(p.type), id)),
      ),
      hasNotPrincipal: blocks(s.not_principals).length > 0,
      actions: stringList(s.actions),
      hasNotAction: stringList(s.not_actions).length > 0,
      resources: stringList(s.resources ?? s.not_resources),
      hasNotResource: s.resources === undefined && s.not_resources !== undefined,
      conditions,
    };
  });
}

/** Parses a policy attribute of a resource in `stack`. */
export function parsePolicy(model: Model, stack: string, value: unknown): ParsedPolicy {
  if (value === undefined || value === null) return { ok: true, statements: [] };
  if (isObject(value)) return parsePolicyDocument(value);
  if (typeof value !== "string")
    return { ok: false, error: "the policy is neither a JSON string nor an object" };
  const trimmed = value.trim();
  if (trimmed.startsWith("{")) return parsePolicyJson(trimmed);
  const encoded = readJsonencode(trimmed);
  if (encoded !== undefined) return parsePolicyDocument(encoded);
  const docs = model.referencedBy(stack, trimmed).filter((r) => r.type === "aws_iam_policy_document");
  if (/^\$\{data\.aws_iam_policy_document\.[\w-]+\.json\}$/.test(trimmed) && docs.length === 1) {
    return { ok: true, statements: fromPolicyDocument(docs[0]) };
  }
  return {
    ok: false,
    error: `the policy ${trimmed.slice(0, 60)} cannot be read statically; build it with JSON.stringify, Fn.jsonencode of a literal or aws_iam_policy_document`,
  };
}

/** Label for messages: the Sid, else the position. */
export function statementLabel(statement: Statement, index: number): string {
  return statement.sid ? `statement "${statement.sid}"` : `statement #${index + 1}`;
}
