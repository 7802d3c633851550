/**
 * `${jsonencode(…)}` of a literal, as cdktf writes `Fn.jsonencode(object)`, read back into the JSON value:
 * `{"Effect" = "Allow", "Resource" = aws_s3_bucket.b.arn}` gives `{ Effect: "Allow", Resource:
 * "${aws_s3_bucket.b.arn}" }` (a bare reference becomes the interpolation a JSON-string policy would hold).
 * Anything else inside (a function call, an operator, a conditional) cannot be read statically: undefined.
 */
type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

const WRAPPED = /^\$\{jsonencode\(([\s\S]*)\)\}$/;
const TRAVERSAL = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])+/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;

export function readJsonencode(text: string): Value | undefined {
  const inner = WRAPPED.exec(text.trim());
  if (!inner) return undefined;
  const source = inner[1];
  let at = 0;
  const fail = (): never => {
    throw new SyntaxError(`unreadable at ${at}`);
  };
  const space = () => {
    while (at < source.length && /\s/.test(source[at])) at++;
  };
  const expect = (char: string) => {
    space();
    if (source[at] !== char) fail();
    at++;
  };
  const string = (): string => {
    expect('"');
    let out = "";
    while (at < source.length && source[at] !== '"') {
      if (source.startsWith("${", at) && !source.startsWith("$${", at - 1)) {
        // An interpolation may hold quotes of its own: copy it whole.
        let depth = 0;
        const start = at;
        do {
          if (source[at] === "{") depth++;
          else if (source[at] === "}") depth--;
          at++;
        } while (depth > 0 && at < source.length);
        out += source.slice(start, at);
      } else if (source[at] === "\\") {
        const next = source[at + 1];
        const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
        if (next === "u") {
          out += String.fromCharCode(parseInt(source.slice(at + 2, at + 6), 16));
          at += 6;
        } else if (next in escapes) {
          out += escapes[next];
          at += 2;
        } else fail();
      } else out += source[at++];
    }
    expect('"');
    return out;
  };
  const value = (): Value => {
    space();
    const c = source[at];
    if (c === '"') return string();
    if (c === "[") {
      at++;
      const items: Value[] = [];
      for (space(); source[at] !== "]"; space()) {
        items.push(value());
        space();
        if (source[at] === ",") at++;
        else if (source[at] !== "]") fail();
      }
      at++;
      return items;
    }
    if (c === "{") {
      at++;
      const object: { [key: string]: Value } = {};
      for (space(); source[at] !== "}"; space()) {
        let key: string;
        if (source[at] === '"') key = string();
        else {
          const bare = /^[A-Za-z_][\w-]*/.exec(source.slice(at));
          if (!bare) return fail();
          key = bare[0];
          at += key.length;
        }
        space();
        if (source[at] !== "=" && source[at] !== ":") fail();
        at++;
        object[key] = value();
        space();
        if (source[at] === ",") at++;
        else if (source[at] !== "}") fail();
      }
      at++;
      return object;
    }
    const rest = source.slice(at);
    const literal = /^(true|false|null)\b/.exec(rest);
    if (literal) {
      at += literal[0].length;
      return literal[0] === "null" ? null : literal[0] === "true";
    }
    const number = NUMBER.exec(rest);
    if (number) {
      at += number[0].length;
      return Number(number[0]);
    }
    const traversal = TRAVERSAL.exec(rest);
    if (traversal && !/^\s*\(/.test(rest.slice(traversal[0].length))) {
      at += traversal[0].length;
      return `\${${traversal[0]}}`;
    }
    return fail();
  };
  try {
    const result = value();
    space();
    return at === source.length ? result : undefined;
  } catch {
    return undefined;
  }
}
