/**
 * Policy documents for the reviewer: every policy a plan creates or changes, one line per statement. A policy
 * Terraform knows only after apply is read from the synthesized source instead, with its references named
 * (`${aws_s3_bucket.uploads.arn}`; a cross-stack read as `${myblog-dev-data: aws_s3_bucket.uploads.arn}`), and a
 * value that came from a stand-in (a provisional plan) is marked as one.
 */
import { readJsonencode } from "../../shared/jsonencode";
import { code } from "./inline";
import type { ChangeAction, PolicyDocumentSummary, StandInSummary } from "./model";
import type { RawResourceChange } from "./plan-json";

/** The attributes that hold a policy document. */
const DOCUMENT_ATTRIBUTES = ["policy", "assume_role_policy"] as const;

/** What the summary needs of a stack's synthesized configuration (`cdk.tf.json`) to read a policy there. */
export interface StackSource {
  /** `resource` of `cdk.tf.json`: type → name → arguments. */
  readonly resources: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  /** Per upstream stack, its outputs' value expressions (`${aws_kms_key.key.arn}`), to name cross-stack reads. */
  readonly upstreamOutputs: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

const CROSS_STACK =
  /\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_.-]+?)\.outputs\.([A-Za-z0-9_-]+)\}/g;

/** `${data.terraform_remote_state…outputs.<o>}` → `${<upstream>: <what o is>}`. */
function nameCrossStackReads(text: string, source: StackSource | undefined): string {
  return text.replace(CROSS_STACK, (_, upstream: string, output: string) => {
    const expression = source?.upstreamOutputs.get(upstream)?.[output];
    const what = expression?.match(/^\$\{(.*)\}$/)?.[1] ?? `output ${output}`;
    return `\${${upstream}: ${what}}`;
  });
}

/** Every stand-in value inside `text`, replaced by a mark naming what it stands for. */
export function markStandIns(text: string, standIns: readonly StandInSummary[]): string {
  let marked = text;
  for (const s of standIns) {
    if (typeof s.value !== "string" || s.value.length < 8) continue;
    marked = marked.split(s.value).join(`⟨stand-in: ${s.upstream}: ${s.reference}⟩`);
  }
  return marked;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: Json | undefined): string[] =>
  v === undefined || v === null
    ? []
    : (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "string" ? x : JSON.stringify(x)));

function principals(value: Json | undefined): string {
  if (value === "*") return code("*");
  if (!isObject(value)) return list(value).map(code).join(", ");
  return Object.entries(value)
    .flatMap(([type, ids]) => list(ids).map((id) => code(`${type}: ${id}`)))
    .join(", ");
}

function conditions(value: Json | undefined): string {
  if (!isObject(value)) return "";
  return Object.entries(value)
    .flatMap(([operator, byKey]) =>
      isObject(byKey)
        ? Object.entries(byKey).map(([key, v]) => code(`${operator} ${key} = ${list(v).join(", ")}`))
        : [],
    )
    .join(", ");
}

/** One line per statement: effect, actions, resources, principals and conditions. */
export function renderStatements(document: Json): string[] {
  if (!isObject(document)) return ["(not a policy document)"];
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return statements.map((s) => {
    if (!isObject(s)) return "- (a statement that is not an object)";
    const not = (key: string) => (s[key] === undefined && s[`Not${key}`] !== undefined ? `Not${key}` : key);
    const parts = [`**${String(s.Effect)}**`];
    const actions = list(s[not("Action")]);
    parts.push(
      `${not("Action") === "NotAction" ? "all but " : ""}${actions.map(code).join(", ") || "no action"}`,
    );
    const resources = list(s[not("Resource")]);
    if (resources.length > 0)
      parts.push(
        `on ${not("Resource") === "NotResource" ? "all but " : ""}${resources.map(code).join(", ")}`,
      );
    const who = s[not("Principal")];
    if (who !== undefined)
      parts.push(`${not("Principal") === "NotPrincipal" ? "to all but" : "to"} ${principals(who)}`);
    const when = conditions(s.Condition);
    if (when) parts.push(`when ${when}`);
    if (typeof s.Sid === "string") parts.push(`(${s.Sid})`);
    return `- ${parts.join(" ")}`;
  });
}

/** A policy attribute's text, as JSON or `${jsonencode(…)}` of a literal; undefined when it cannot be read. */
function readDocument(text: string): Json | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return JSON.parse(trimmed) as Json;
    } catch {
      return undefined;
    }
  }
  return readJsonencode(trimmed) as Json | undefined;
}

/** The resource's arguments in the synthesized source, for a plan address (`type.name`, `type.name[0]`). */
function sourceOf(
  source: StackSource | undefined,
  change: RawResourceChange,
): Readonly<Record<string, unknown>> | undefined {
  const name = change.address.slice(change.type.length + 1).replace(/\[[^\]]*\]$/, "");
  return source?.resources[change.type]?.[name];
}

/**
 * The policy documents one change creates or changes, rendered. `changedAttributes` says which attributes an
 * update touches; a document of a created or replaced resource is always shown.
 */
export function documentsOf(
  raw: RawResourceChange,
  action: ChangeAction,
  changedAttributes: readonly string[],
  source: StackSource | undefined,
  standIns: readonly StandInSummary[],
): PolicyDocumentSummary[] {
  if (action !== "create" && action !== "update" && action !== "replace") return [];
  const after = isObject(raw.change.after) ? raw.change.after : {};
  const unknown = isObject(raw.change.after_unknown) ? raw.change.after_unknown : {};
  const documents: PolicyDocumentSummary[] = [];
  for (const attribute of DOCUMENT_ATTRIBUTES) {
    const known = typeof after[attribute] === "string";
    if (!known && unknown[attribute] !== true) continue;
    if (action === "update" && !changedAttributes.includes(attribute)) continue;
    const base = { address: raw.address, attribute };
    if (known) {
      const text = markStandIns(after[attribute] as string, standIns);
      const doc = readDocument(text);
      documents.push({
        ...base,
        from: "plan",
        standIns: text !== after[attribute],
        lines: doc === undefined ? ["(not valid JSON)"] : renderStatements(doc),
      });
      continue;
    }
    const written = sourceOf(source, raw)?.[attribute];
    // A computed attribute the configuration does not set (a bucket's `policy`, written by its bucket-policy
    // resource) is no document of this resource's.
    if (source && written === undefined) continue;
    const doc = typeof written === "string" ? readDocument(nameCrossStackReads(written, source)) : undefined;
    documents.push({
      ...base,
      from: "source",
      standIns: false,
      lines:
        doc !== undefined
          ? renderStatements(doc)
          : [
              source
                ? "(built in a way that cannot be read without applying: read it in the stack's source)"
                : "(known only after apply; the synthesized source was not given to the summary)",
            ],
    });
  }
  return documents;
}
