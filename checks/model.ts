/**
 * The synthesized app as the rule pack sees it: every stack's `cdk.tf.json`, its resources with their
 * suppressions, its `stack_facts`, and the references between resources, resolved across stacks.
 *
 * cdktf turns a cross-stack hand-off into an output of the producing stack plus a
 * `data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>` in the consuming one.
 * The model follows that chain back to the producing resource, so a join (bucket ↔ bucket policy) works
 * whichever stack each side lives in.
 */
import * as fs from "fs";
import * as path from "path";
import { PUBLIC_ROUTE_KEY, SUPPRESSIONS_KEY, type SuppressionRecord } from "./suppress";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface StackFacts {
  readonly app?: string;
  readonly environment?: string;
  readonly layer?: string;
  /** A stack without `stack_facts` is treated as non-production. */
  readonly production: boolean;
}

export interface Resource {
  readonly stack: string;
  /** "resource" for managed resources, "data" for data sources. */
  readonly mode: "resource" | "data";
  readonly type: string;
  readonly name: string;
  /** Terraform address inside its stack: `aws_s3_bucket.x` or `data.aws_iam_policy_document.y`. */
  readonly address: string;
  readonly body: JsonObject;
  readonly suppressions: readonly SuppressionRecord[];
  /** Why an API route is public on purpose (declarePublicRoute), if it is. */
  readonly publicRoute?: string;
  /** cdktf construct path, when the synth kept the metadata. */
  readonly constructPath?: string;
}

export interface Stack {
  readonly name: string;
  /** Path of `cdk.tf.json` relative to the output directory, with `/` separators. */
  readonly relativeFile: string;
  /** The file's text, kept to point SARIF results at a line. */
  readonly text: string;
  readonly json: JsonObject;
  readonly facts: StackFacts;
  readonly resources: readonly Resource[];
}

export class CheckInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckInputError";
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Nested blocks synthesize as an object or a list of objects; rules always want the list. */
export function blocks(value: unknown): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** The first block of a nested single block (`viewer_certificate`, `tracing_config`…). */
export function block(value: unknown): JsonObject | undefined {
  return blocks(value)[0];
}

/** Terraform accepts `true`, `"true"` for booleans in JSON; an expression is not known at synth time. */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** A value that is set: neither missing, null, empty string nor empty list. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  return !(Array.isArray(value) && value.length === 0);
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** The `${…}` interpolations of a string (balanced braces, so `${jsonencode({a = 1})}` is one). */
export function interpolations(text: string): string[] {
  const found: string[] = [];
  let start = text.indexOf("${");
  while (start !== -1) {
    let depth = 0;
    let end = -1;
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}" && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end === -1) break;
    found.push(text.slice(start + 2, end));
    start = text.indexOf("${", end + 1);
  }
  return found;
}

const REMOTE_OUTPUT = /\bdata\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g;
// A reference is `<type>.<name>` or `data.<type>.<name>`; every provider resource type has an underscore.
const LOCAL_REFERENCE = /(?<![\w.-])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)/g;

const MAX_OUTPUT_HOPS = 4;

export class Model {
  readonly stacks: readonly Stack[];
  private readonly stackByName = new Map<string, Stack>();
  private readonly byKey = new Map<string, Resource>();
  private readonly refCache = new Map<string, Resource[]>();
  private readonly reverse = new Map<string, Map<Resource, Resource[]>>();

  constructor(stacks: readonly Stack[]) {
    this.stacks = stacks;
    for (const stack of stacks) {
      this.stackByName.set(stack.name, stack);
      for (const r of stack.resources) this.byKey.set(`${stack.name}\u0000${r.address}`, r);
    }
  }

  stack(name: string): Stack | undefined {
    return this.stackByName.get(name);
  }

  resource(stack: string, address: string): Resource | undefined {
    return this.byKey.get(`${stack}\u0000${address}`);
  }

  /** All resources of some types in one stack, or in every stack. */
  resources(types: readonly string[], stack?: Stack): Resource[] {
    const from = stack ? [stack] : this.stacks;
    return from.flatMap((s) => s.resources.filter((r) => r.mode === "resource" && types.includes(r.type)));
  }

  /**
   * The resources a value refers to (any depth inside objects and lists), with cross-stack outputs followed
   * back to the producing resource. References to stacks or outputs that are not loaded resolve to nothing.
   */
  referencedBy(stack: string, value: unknown): Resource[] {
    const found = new Set<Resource>();
    this.collect(stack, value, found, 0);
    return [...found];
  }

  /** Resources of `type` (in any stack) whose `attribute` (or whole body) refers to `target`. */
  referrers(target: Resource, type: string, attribute?: string): Resource[] {
    const key = `${type}\u0000${attribute ?? ""}`;
    let index = this.reverse.get(key);
    if (!index) {
      index = new Map();
      for (const r of this.resources([type])) {
        const value = attribute === undefined ? r.body : r.body[attribute];
        for (const t of this.referencedBy(r.stack, value)) {
          const list = index.get(t) ?? [];
          list.push(r);
          index.set(t, list);
        }
      }
      this.reverse.set(key, index);
    }
    return index.get(target) ?? [];
  }

  private collect(stack: string, value: unknown, into: Set<Resource>, hops: number): void {
    if (typeof value === "string") {
      if (!value.includes("${")) return;
      for (const r of this.resolveString(stack, value, hops)) into.add(r);
    } else if (Array.isArray(value)) {
      for (const v of value) this.collect(stack, v, into, hops);
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) if (k !== "//") this.collect(stack, v, into, hops);
    }
  }

  private resolveString(stack: string, text: string, hops: number): Resource[] {
    const cacheKey = `${stack}\u0000${text}`;
    const cached = this.refCache.get(cacheKey);
    if (cached) return cached;
    const found = new Set<Resource>();
    for (const expression of interpolations(text)) {
      for (const m of expression.matchAll(REMOTE_OUTPUT)) {
        const output = this.outputValue(stack, m[1], m[2]);
        if (output && hops < MAX_OUTPUT_HOPS) this.collect(output.stack, output.value, found, hops + 1);
      }
      for (const m of expression.matchAll(LOCAL_REFERENCE)) {
        if (m[2] === "terraform_remote_state") continue;
        const address = `${m[1] ? "data." : ""}${m[2]}.${m[3]}`;
        const r = this.resource(stack, address);
        if (r) found.add(r);
      }
    }
    const list = [...found];
    this.refCache.set(cacheKey, list);
    return list;
  }

  /** The value of output `output` read through remote state `remoteState` of `stack`. */
  outputValue(
    stack: string,
    remoteState: string,
    output: string,
  ): { stack: string; value: Json } | undefined {
    const source = this.remoteStateStack(stack, remoteState);
    const outputs = source && isObject(source.json.output) ? source.json.output : undefined;
    const entry = outputs?.[output];
    if (!source || !isObject(entry)) return undefined;
    return { stack: source.name, value: entry.value };
  }

  private remoteStateStack(stack: string, remoteState: string): Stack | undefined {
    const byConvention = this.stackByName.get(remoteState.replace(/^cross-stack-reference-input-/, ""));
    if (byConvention) return byConvention;
    // A hand-written remote state: the stack whose local state path or backend key names it.
    const data = this.resource(stack, `data.terraform_remote_state.${remoteState}`);
    const config = JSON.stringify(data?.body.config ?? "");
    return this.stacks.find((s) => s.name !== stack && config.includes(s.name));
  }
}

/** 1-based line of `"<name>": {` inside the stack's resource (or data) block. */
export function resourceLine(text: string, address: string): number {
  const parts = address.split(".");
  const [section, type, name] =
    parts[0] === "data" ? ["data", parts[1], parts[2]] : ["resource", parts[0], parts[1]];
  let at = text.indexOf(`"${section}": {`);
  if (at !== -1) at = text.indexOf(`"${type}": {`, at);
  if (at !== -1) at = text.indexOf(`"${name}": {`, at);
  if (at === -1) return 1;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const TOP_LEVEL_MODES: ReadonlyArray<["resource" | "data", string]> = [
  ["resource", "resource"],
  ["data", "data"],
];

/** Reads one stack document (already parsed) into the model's shape. */
export function readStack(name: string, relativeFile: string, text: string, json: JsonObject): Stack {
  const resources: Resource[] = [];
  for (const [mode, key] of TOP_LEVEL_MODES) {
    const byType = json[key];
    if (!isObject(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (!isObject(byName)) continue;
      for (const [resourceName, body] of Object.entries(byName)) {
        if (!isObject(body)) continue;
        const comment = isObject(body["//"]) ? body["//"] : {};
        const metadata = isObject(comment.metadata) ? comment.metadata : {};
        resources.push({
          stack: name,
          mode,
          type,
          name: resourceName,
          address: `${mode === "data" ? "data." : ""}${type}.${resourceName}`,
          body,
          suppressions: readSuppressions(comment[SUPPRESSIONS_KEY], `${name}: ${type}.${resourceName}`),
          publicRoute: typeof comment[PUBLIC_ROUTE_KEY] === "string" ? comment[PUBLIC_ROUTE_KEY] : undefined,
          constructPath: typeof metadata.path === "string" ? metadata.path : undefined,
        });
      }
    }
  }
  return { name, relativeFile, text, json, facts: readFacts(json, name), resources };
}

function readSuppressions(value: Json | undefined, where: string): SuppressionRecord[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new CheckInputError(`${where}: "//.${SUPPRESSIONS_KEY}" must be a list`);
  return value.map((s, i) => {
    if (
      !isObject(s) ||
      typeof s.rule !== "string" ||
      typeof s.reason !== "string" ||
      s.reason.trim() === ""
    ) {
      throw new CheckInputError(`${where}: suppression #${i + 1} needs a rule id and a non-empty reason`);
    }
    return { rule: s.rule, reason: s.reason };
  });
}

function readFacts(json: JsonObject, stack: string): StackFacts {
  const locals = isObject(json.locals) ? json.locals : {};
  if (locals.stack_facts === undefined) return { production: false };
  const facts = locals.stack_facts;
  // A typo here would silently switch the production-only rules off, so the shape is checked.
  if (!isObject(facts) || typeof facts.production !== "boolean") {
    throw new CheckInputError(
      `${stack}: locals.stack_facts must be an object with a boolean "production" (got ${JSON.stringify(facts)})`,
    );
  }
  const text = (v: Json | undefined) => (typeof v === "string" ? v : undefined);
  return {
    app: text(facts.app),
    environment: text(facts.environment),
    layer: text(facts.layer),
    production: facts.production,
  };
}

interface ManifestStack {
  readonly name: string;
  readonly synthesizedStackPath: string;
}

/** Loads every stack listed in `<outdir>/manifest.json` (as `cdktf synth` writes it). */
export function loadOutdir(outdir: string): Model {
  const manifestPath = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new CheckInputError(
      `${manifestPath} not found: run \`npx cdktf synth\` first (or pass the output directory)`,
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new CheckInputError(`${manifestPath} is not valid JSON: ${(e as Error).message}`);
  }
  const listed = isObject(manifest) && isObject(manifest.stacks) ? Object.values(manifest.stacks) : undefined;
  if (!listed) throw new CheckInputError(`${manifestPath} has no "stacks" object`);
  const stacks = listed.map((entry) => {
    const s = entry as unknown as ManifestStack;
    if (typeof s.name !== "string" || typeof s.synthesizedStackPath !== "string") {
      throw new CheckInputError(`${manifestPath}: every stack needs "name" and "synthesizedStackPath"`);
    }
    const file = path.join(outdir, s.synthesizedStackPath);
    if (!fs.existsSync(file)) throw new CheckInputError(`${file} (stack ${s.name}) not found: synth again`);
    const text = fs.readFileSync(file, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new CheckInputError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (!isObject(json)) throw new CheckInputError(`${file} must hold a JSON object`);
    return readStack(s.name, s.synthesizedStackPath.split(path.sep).join("/"), text, json);
  });
  stacks.sort((a, b) => a.name.localeCompare(b.name));
  return new Model(stacks);
}
