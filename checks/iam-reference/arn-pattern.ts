/**
 * ARN patterns and whether two of them can name the same ARN. One syntax for both sides: the reference's
 * formats (`arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}`) and a policy's resources
 * with their Terraform references resolved to such formats. `${…}` is one ARN component: any run of characters
 * without a colon or a slash (a function name never holds a colon, so `…:function:${FunctionName}` is never an
 * alias ARN; a bucket or table name never holds a slash, so `…:::${BucketName}` is never an object ARN and
 * `…:table/${TableName}` never a stream's), except the components AWS documents as paths, which may hold
 * slashes (PATH_COMPONENT). `*` is IAM's wildcard, any run of characters; `?` is one character.
 */

/** Components that may hold slashes: paths, object keys, parameter, log group and stream, and secret names. */
const PATH_COMPONENT =
  /(Path|^ObjectName|^ParameterNameWithoutLeadingSlash|^LogGroupName|^LogStreamName|^SecretId|^UrlEncodedResourceARN)$/;

type Label = { readonly kind: "char"; readonly char: string } | { readonly kind: "any" | "segment" | "path" };
type Token = Label | { readonly kind: "star" } | { readonly kind: "placeholder"; readonly path: boolean };

export function tokens(pattern: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "$" && pattern[i + 1] === "{") {
      const end = pattern.indexOf("}", i + 2);
      if (end !== -1) {
        out.push({ kind: "placeholder", path: PATH_COMPONENT.test(pattern.slice(i + 2, end)) });
        i = end;
        continue;
      }
    }
    if (c === "*") out.push({ kind: "star" });
    else if (c === "?") out.push({ kind: "any" });
    else out.push({ kind: "char", char: c });
  }
  return out;
}

/** Some character can satisfy both labels. */
function compatible(a: Label, b: Label): boolean {
  if (a.kind === "char" && b.kind === "char") return a.char === b.char;
  if (a.kind === "char") return admits(b, a.char);
  if (b.kind === "char") return admits(a, b.char);
  return true;
}

function admits(label: Label, char: string): boolean {
  if (label.kind === "segment") return char !== ":" && char !== "/";
  return label.kind === "path" ? char !== ":" : true;
}

/** The label a repeating token consumes: `*` any character, `${…}` one component. */
const loopLabel = (t: Token): Label | undefined =>
  t.kind === "star"
    ? { kind: "any" }
    : t.kind === "placeholder"
      ? { kind: t.path ? "path" : "segment" }
      : undefined;

/**
 * True when some string matches both patterns: a walk over the product of their automata (each position
 * of a pattern is a state; `*` and `${…}` loop on their own state or are skipped).
 */
export function intersects(a: string, b: string): boolean {
  const x = tokens(a);
  const y = tokens(b);
  const seen = new Set<number>();
  const width = y.length + 1;
  const stack: number[] = [0];
  while (stack.length > 0) {
    const state = stack.pop() as number;
    if (seen.has(state)) continue;
    seen.add(state);
    const i = Math.floor(state / width);
    const j = state % width;
    if (i === x.length && j === y.length) return true;
    const tx = x[i];
    const ty = y[j];
    // A loop token may match nothing.
    if (tx && loopLabel(tx)) stack.push((i + 1) * width + j);
    if (ty && loopLabel(ty)) stack.push(i * width + j + 1);
    if (!tx || !ty) continue;
    // One character consumed by both: a loop token stays, a single one moves on.
    const lx = loopLabel(tx) ?? (tx as Label);
    const ly = loopLabel(ty) ?? (ty as Label);
    if (!compatible(lx, ly)) continue;
    const ni = loopLabel(tx) ? i : i + 1;
    const nj = loopLabel(ty) ? j : j + 1;
    stack.push(ni * width + nj);
  }
  return false;
}

/** A pattern that matches the string `*`: what an action without resource-level permissions needs. */
export const isAnyResource = (pattern: string): boolean => /^\*+$/.test(pattern);

/** Condition key templates (`kms:EncryptionContext:${EncryptionContextKey}`): `${…}` is any text here. */
export function conditionKeyMatches(template: string, key: string): boolean {
  const source = template
    .split(/\$\{[^}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
  return new RegExp(`^${source}$`, "i").test(key);
}
