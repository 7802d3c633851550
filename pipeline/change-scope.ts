/**
 * Which stacks a change lands in: the pull request's synthesized output against its base commit's. A stack is
 * planned when its synthesized configuration (assets included) differs from the base's, when it is new, or when
 * it reads an upstream output this change may change; every other stack is "unchanged since <base>, not planned".
 * Soundness first: whenever the comparison cannot be trusted (no base output, a changed cdktf.json, configuration,
 * dependency lock, Terraform version or provider version pin), every stack is planned, and the reason is given.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { readStacks, type StackInfo } from "./manifest";
import { hashStackDirectory } from "./plan-store";
import { referencedOutputs, remoteStateAddress } from "./remote-state";

/** Written beside a synth output (`<outdir>/synth-inputs.json`): what that output was made from. */
export const SYNTH_INPUTS_FILE = "synth-inputs.json";

/** What a synth output depends on besides the code of the stacks: a change to any of them plans everything. */
export interface SynthInputs {
  /** sha256 per file (`cdktf.json`, `blog.config.json`, `package-lock.json`, `config/…`), or `absent`. */
  readonly files: Readonly<Record<string, string>>;
  /** `terraform version` of the machine that planned (or will plan) it. */
  readonly terraformVersion: string;
}

/** Files whose change makes a comparison of synth outputs untrustworthy (directories: every file below). */
export const GLOBAL_INPUTS = ["cdktf.json", "blog.config.json", "package-lock.json", "config"] as const;

function filesBelow(root: string, relative: string): string[] {
  const absolute = path.join(root, relative);
  if (!fs.existsSync(absolute)) return [relative];
  if (!fs.statSync(absolute).isDirectory()) return [relative];
  return fs
    .readdirSync(absolute)
    .sort()
    .flatMap((entry) => filesBelow(root, path.join(relative, entry)));
}

/** The synth inputs of a checkout at `projectRoot`. */
export function synthInputsOf(projectRoot: string, terraformVersion: string): SynthInputs {
  const files: Record<string, string> = {};
  for (const input of GLOBAL_INPUTS)
    for (const file of filesBelow(projectRoot, input)) {
      const absolute = path.join(projectRoot, file);
      files[file.split(path.sep).join("/")] = fs.existsSync(absolute)
        ? createHash("sha256").update(fs.readFileSync(absolute)).digest("hex")
        : "absent";
    }
  return { files, terraformVersion };
}

export function writeSynthInputs(outdir: string, inputs: SynthInputs): void {
  fs.writeFileSync(path.join(outdir, SYNTH_INPUTS_FILE), `${JSON.stringify(inputs, null, 2)}\n`);
}

export function readSynthInputs(outdir: string): SynthInputs | undefined {
  const file = path.join(outdir, SYNTH_INPUTS_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as SynthInputs) : undefined;
}

/** Why a stack is planned, or why not. */
export interface ScopeDecision {
  readonly stack: string;
  readonly planned: boolean;
  readonly reasons: readonly string[];
}

export interface ChangeScope {
  /** How the base is named in the summary (a commit, a run). */
  readonly base: string;
  /** Set when every stack is planned because the comparison cannot be trusted: why. */
  readonly full?: string;
  readonly stacks: readonly ScopeDecision[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface StackJson {
  readonly terraform?: {
    readonly backend?: Json;
    readonly required_providers?: Json;
    readonly required_version?: Json;
  };
  readonly provider?: Json;
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  readonly locals?: Readonly<Record<string, Json>>;
  readonly output?: Readonly<Record<string, Json>>;
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Every addressable block of a stack: `type.name`, `data.type.name`, `local.name`, keyed to its body. */
function nodesOf(stack: StackJson): Map<string, Json> {
  const nodes = new Map<string, Json>();
  for (const [type, byName] of Object.entries(stack.resource ?? {}))
    for (const [name, body] of Object.entries(byName)) nodes.set(`${type}.${name}`, body);
  for (const [type, byName] of Object.entries(stack.data ?? {}))
    for (const [name, body] of Object.entries(byName)) nodes.set(`data.${type}.${name}`, body);
  for (const [name, body] of Object.entries(stack.locals ?? {})) nodes.set(`local.${name}`, body);
  return nodes;
}

const NODE_REFERENCE =
  /(?<![\w.-])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+)/g;

/** The blocks a block refers to (`${…}` references and `depends_on` entries alike). */
function referencesOf(body: Json): string[] {
  return [...JSON.stringify(body).matchAll(NODE_REFERENCE)].map((m) => m[1]);
}

/** Every block an output depends on, through the references of the blocks in between. */
function closure(stack: StackJson, nodes: ReadonlyMap<string, Json>, output: string): Set<string> {
  const seen = new Set<string>();
  const queue = referencesOf(stack.output?.[output] ?? null);
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next) || !nodes.has(next)) continue;
    seen.add(next);
    queue.push(...referencesOf(nodes.get(next)!));
  }
  return seen;
}

/** The synthesized files of a stack directory, without the provider lock file Terraform adds. */
const contentHash = (stack: StackInfo) => hashStackDirectory(stack.workingDirectory, { withLockFile: false });

function describeChange(base: StackJson, head: StackJson): string[] {
  const reasons: string[] = [];
  if (!same(base.terraform?.backend, head.terraform?.backend)) reasons.push("its backend changed");
  if (!same(base.provider, head.provider)) reasons.push("its provider configuration changed");
  const b = nodesOf(base);
  const h = nodesOf(head);
  const added = [...h.keys()].filter((k) => !b.has(k)).length;
  const removed = [...b.keys()].filter((k) => !h.has(k)).length;
  const changed = [...h.keys()].filter((k) => b.has(k) && !same(b.get(k), h.get(k))).length;
  const parts = [
    added && `${added} added`,
    changed && `${changed} changed`,
    removed && `${removed} removed`,
  ].filter(Boolean);
  if (parts.length > 0) reasons.push(`its configuration changed (blocks: ${parts.join(", ")})`);
  if (!same(base.output, head.output)) reasons.push("its outputs changed");
  if (reasons.length === 0) reasons.push("its synthesized files changed (assets)");
  return reasons;
}

const code = (s: string) => `\`${s}\``;

/**
 * Decides which stacks of `head` to plan against the base output. `headInputs` are this checkout's synth inputs;
 * the base's are read from its output directory.
 */
export function changeScope(
  baseOutdir: string | undefined,
  headOutdir: string,
  headInputs: SynthInputs,
  baseLabel: string,
  selected: readonly StackInfo[],
): ChangeScope {
  const everything = (why: string): ChangeScope => ({
    base: baseLabel,
    full: why,
    stacks: selected.map((s) => ({ stack: s.name, planned: true, reasons: [why] })),
  });
  if (!baseOutdir || !fs.existsSync(path.join(baseOutdir, "manifest.json")))
    return everything(`there is no synthesized output of ${baseLabel} to compare with`);
  const baseInputs = readSynthInputs(baseOutdir);
  if (!baseInputs)
    return everything(
      `the output of ${baseLabel} does not record what it was synthesized from (${SYNTH_INPUTS_FILE})`,
    );
  if (baseInputs.terraformVersion !== headInputs.terraformVersion)
    return everything(
      `the Terraform version changed (${baseInputs.terraformVersion} → ${headInputs.terraformVersion})`,
    );
  const changedInputs = [...new Set([...Object.keys(baseInputs.files), ...Object.keys(headInputs.files)])]
    .filter((f) => baseInputs.files[f] !== headInputs.files[f])
    .sort();
  if (changedInputs.length > 0)
    return everything(`${changedInputs.map(code).join(", ")} changed, and they can change any stack`);

  const baseStacks = new Map(readStacks(baseOutdir).map((s) => [s.name, s]));
  const heads = readStacks(headOutdir);
  const json = new Map<string, { base?: StackJson; head: StackJson }>();
  for (const stack of heads) {
    const base = baseStacks.get(stack.name);
    json.set(stack.name, {
      head: readJson(stack.synthesizedStackPath),
      base:
        base && fs.existsSync(base.synthesizedStackPath) ? readJson(base.synthesizedStackPath) : undefined,
    });
  }
  for (const [name, { base, head }] of json) {
    const pins = (s: StackJson | undefined) => [
      s?.terraform?.required_providers,
      s?.terraform?.required_version,
    ];
    if (base && !same(pins(base), pins(head)))
      return everything(`the provider or Terraform version pins of ${code(name)} changed`);
  }

  // Upstream first: what each stack's change may do to its outputs decides whether its readers are planned.
  const mayChange = new Map<string, (output: string) => boolean>();
  const decisions = new Map<string, ScopeDecision>();
  for (const stack of heads) {
    const { base, head } = json.get(stack.name)!;
    const baseStack = baseStacks.get(stack.name);
    const reasons: string[] = [];
    if (!base || !baseStack) reasons.push(`it is new since ${baseLabel}`);
    else if (contentHash(stack) !== contentHash(baseStack)) reasons.push(...describeChange(base, head));

    const reads = referencedOutputs(JSON.stringify(head));
    for (const [upstream, outputs] of reads) {
      const touched = [...outputs].filter((o) => mayChange.get(upstream)?.(o)).sort();
      if (touched.length > 0)
        reasons.push(
          `it reads ${touched.length === 1 ? "an output" : `${touched.length} outputs`} of ${code(upstream)} that ` +
            `this change may change (${touched.map(code).join(", ")})`,
        );
    }
    decisions.set(stack.name, { stack: stack.name, planned: reasons.length > 0, reasons });

    if (!base) {
      mayChange.set(stack.name, () => true);
      continue;
    }
    const wholeStack =
      !same(base.provider, head.provider) || !same(base.terraform?.backend, head.terraform?.backend);
    const baseNodes = nodesOf(base);
    const headNodes = nodesOf(head);
    mayChange.set(stack.name, (output) => {
      if (wholeStack || !same(base.output?.[output], head.output?.[output])) return true;
      for (const node of closure(head, headNodes, output)) {
        if (!same(baseNodes.get(node), headNodes.get(node))) return true;
        const read = [...reads.keys()].find((u) => node === remoteStateAddress(u));
        if (read && [...reads.get(read)!].some((o) => mayChange.get(read)?.(o))) return true;
      }
      return false;
    });
  }
  return {
    base: baseLabel,
    stacks: selected.map(
      (s) =>
        decisions.get(s.name) ?? { stack: s.name, planned: true, reasons: ["it is not in the synth output"] },
    ),
  };
}
