/**
 * GitHub Actions expressions (`${{ … }}`) as the rehearsal evaluates them: the operators and functions our
 * workflows use, with GitHub's semantics (case-insensitive string equality, `&&`/`||` yielding an operand, null for
 * a missing property). Anything else is an error naming the expression, never a silent guess.
 */

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface EvaluationContext {
  /** Contexts by name: github, env, vars, secrets, matrix, needs, steps, inputs, runner, job, strategy. */
  readonly contexts: Readonly<Record<string, Value>>;
  /** `hashFiles(path)`: a digest of the files, '' when none; the rehearsal supports literal paths. */
  readonly hashFiles?: (...paths: string[]) => string;
  /** The job's status so far, for success(), failure(), cancelled(), always(). @default success */
  readonly status?: "success" | "failure" | "cancelled";
}

export class ExpressionError extends Error {}

type Token =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "name"; value: string }
  | { kind: "op"; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= source.length) throw new ExpressionError(`unterminated string in "${source}"`);
        if (source[i] === "'" && source[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (source[i] === "'") {
          i++;
          break;
        } else value += source[i++];
      }
      tokens.push({ kind: "string", value });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?:\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ kind: "number", value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      tokens.push({ kind: "name", value: m[0] });
      i += m[0].length;
    } else {
      const op = ["==", "!=", "&&", "||", "<=", ">="].find((o) => source.startsWith(o, i)) ?? c;
      if (!["==", "!=", "&&", "||", "!", "(", ")", "[", "]", ".", ",", "*"].includes(op))
        throw new ExpressionError(`the rehearsal does not support "${op}" in "${source}"`);
      tokens.push({ kind: "op", value: op });
      i += op.length;
    }
  }
  return tokens;
}

/** GitHub's truthiness: false, 0, '', null are falsy; arrays and objects are truthy. */
export function truthy(value: Value): boolean {
  return !(value === null || value === false || value === 0 || value === "");
}

/** How a value is written into a string (`${{ }}` inside a `run:` script or a name). */
export function toText(value: Value): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, null, 2);
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (a === null || b === null || typeof a !== typeof b) {
    // GitHub coerces mismatched primitives to numbers; our workflows compare like with like or with null.
    if (typeof a === "object" || typeof b === "object") return a === b;
    return Number(a ?? 0) === Number(b ?? 0);
  }
  return a === b;
}

function property(target: Value, key: Value): Value {
  if (target === null || typeof target !== "object") return null;
  if (Array.isArray(target)) return typeof key === "number" ? (target[key] ?? null) : null;
  if (typeof key !== "string") return null;
  const found = Object.keys(target).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? null : target[found];
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly context: EvaluationContext,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.i < this.tokens.length) this.fail(`unexpected "${this.tokens[this.i].value}"`);
    return value;
  }

  private fail(message: string): never {
    throw new ExpressionError(`${message} in "${this.source}"`);
  }

  private peekOp(op: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === "op" && t.value === op;
  }

  private expect(op: string): void {
    if (!this.peekOp(op)) this.fail(`expected "${op}"`);
    this.i++;
  }

  private or(): Value {
    let left = this.and();
    while (this.peekOp("||")) {
      this.i++;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.equality();
    while (this.peekOp("&&")) {
      this.i++;
      const right = this.equality();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private equality(): Value {
    let left = this.unary();
    while (this.peekOp("==") || this.peekOp("!=")) {
      const op = this.tokens[this.i++].value;
      const right = this.unary();
      left = op === "==" ? equal(left, right) : !equal(left, right);
    }
    return left;
  }

  private unary(): Value {
    if (this.peekOp("!")) {
      this.i++;
      return !truthy(this.unary());
    }
    return this.postfix();
  }

  private postfix(): Value {
    let value = this.primary();
    for (;;) {
      if (this.peekOp(".")) {
        this.i++;
        const name = this.tokens[this.i++];
        if (name?.kind !== "name") this.fail("expected a property name after '.'");
        value = property(value, name.value);
      } else if (this.peekOp("[")) {
        this.i++;
        const key = this.or();
        this.expect("]");
        value = property(value, key);
      } else return value;
    }
  }

  private primary(): Value {
    const t = this.tokens[this.i++];
    if (!t) this.fail("unexpected end");
    if (t.kind === "string" || t.kind === "number") return t.value;
    if (t.kind === "op") {
      if (t.value !== "(") this.fail(`unexpected "${t.value}"`);
      const value = this.or();
      this.expect(")");
      return value;
    }
    if (t.value === "true" || t.value === "false") return t.value === "true";
    if (t.value === "null") return null;
    if (this.peekOp("(")) {
      this.i++;
      const args: Value[] = [];
      while (!this.peekOp(")")) {
        args.push(this.or());
        if (!this.peekOp(")")) this.expect(",");
      }
      this.i++;
      return this.call(t.value, args);
    }
    if (!(t.value in this.context.contexts)) this.fail(`unknown context "${t.value}"`);
    return this.context.contexts[t.value];
  }

  private call(name: string, args: Value[]): Value {
    const status = this.context.status ?? "success";
    switch (name.toLowerCase()) {
      case "success":
        return status === "success";
      case "failure":
        return status === "failure";
      case "cancelled":
        return status === "cancelled";
      case "always":
        return true;
      case "fromjson":
        return JSON.parse(toText(args[0])) as Value;
      case "tojson":
        return JSON.stringify(args[0], null, 2);
      case "contains": {
        const [haystack, needle] = args;
        if (Array.isArray(haystack)) return haystack.some((item) => equal(item, needle));
        return toText(haystack).toLowerCase().includes(toText(needle).toLowerCase());
      }
      case "startswith":
        return toText(args[0]).toLowerCase().startsWith(toText(args[1]).toLowerCase());
      case "format":
        return toText(args[0]).replace(/\{(\d+)\}/g, (_, n: string) => toText(args[Number(n) + 1] ?? null));
      case "hashfiles":
        if (!this.context.hashFiles) this.fail("hashFiles() is not available here");
        return this.context.hashFiles(...args.map(toText));
      default:
        return this.fail(`the rehearsal does not know the function ${name}()`);
    }
  }
}

/** Evaluates one expression (the text between `${{` and `}}`). */
export function evaluate(expression: string, context: EvaluationContext): Value {
  return new Parser(tokenize(expression), expression.trim(), context).parse();
}

/** Replaces every `${{ … }}` in a string by its value's text. */
export function interpolate(text: string, context: EvaluationContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) => toText(evaluate(inner, context)));
}

/** A value of the workflow (string, list or map) with every string interpolated. */
export function interpolateValue(value: unknown, context: EvaluationContext): Value {
  if (typeof value === "string") {
    // A value that is one whole expression keeps its type (a matrix list from fromJSON, a number).
    const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
    return whole && !whole[1].includes("}}") ? evaluate(whole[1], context) : interpolate(value, context);
  }
  if (Array.isArray(value)) return value.map((item) => interpolateValue(item, context));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateValue(v, context)]));
  return (value ?? null) as Value;
}

const STATUS_FUNCTION = /\b(?:success|failure|cancelled|always)\s*\(/;

/**
 * An `if:` condition as GitHub reads it: with or without `${{ }}`, and with an implicit `success() &&` unless it
 * calls a status function itself. A missing condition is `success()`.
 */
export function condition(text: unknown, context: EvaluationContext): boolean {
  if (text === undefined || text === null) return (context.status ?? "success") === "success";
  if (typeof text === "boolean") return text && (context.status ?? "success") === "success";
  const source = String(text);
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(source);
  const expression = whole ? whole[1] : source;
  const result = truthy(evaluate(expression, context));
  return STATUS_FUNCTION.test(expression) ? result : result && (context.status ?? "success") === "success";
}
