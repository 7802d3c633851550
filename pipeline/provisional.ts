/**
 * Provisional plans: a stack whose upstream has no state yet (a fresh environment, a new output) is planned with
 * provisional upstream outputs instead of waiting — the upstream plan's planned values where it knows them, a
 * typed stand-in (stand-ins.ts) otherwise. The stack's own directory is never touched: the plan runs in a copy
 * beside it (same depth, so relative backend paths still name the stack's own state) whose override file points
 * each `terraform_remote_state` read at a state file made of those outputs. Such a plan is never saved for apply.
 */
import * as fs from "fs";
import * as path from "path";
import { accountFactsOf } from "../shared/account-access";
import type { StackInfo } from "./manifest";
import { holdsStandIn, parseReference, standIn } from "./stand-ins";
import type { StandInSummary } from "./summary/model";
import type { TerraformPlanJson } from "./summary/plan-json";
import { describeErrors, parseDiagnostics, runTerraform, type TerraformOptions } from "./terraform";
import { remoteStateAddress, waitingUpstreams } from "./remote-state";

/** The working copies of provisional plans, under the synth output (removed after each plan). */
export const PROVISIONAL_DIRECTORY = "provisional";
const OVERRIDE_FILE = "provisional_override.tf.json";

interface SynthesizedStack {
  readonly output?: Readonly<Record<string, { readonly value?: unknown; readonly sensitive?: boolean }>>;
  readonly provider?: { readonly aws?: readonly { readonly region?: string; readonly alias?: string }[] };
}

/** The parts of `terraform show -json` a provisional input is made from. */
export interface PlannedValues {
  readonly planned_values?: {
    readonly outputs?: Readonly<Record<string, { readonly value?: unknown; readonly type?: unknown }>>;
    readonly root_module?: {
      readonly resources?: readonly {
        readonly address?: string;
        readonly values?: Record<string, unknown>;
      }[];
    };
  };
}

/** What a downstream stack is given of one upstream. */
export interface UpstreamInput {
  readonly stack: StackInfo;
  /** The upstream's plan in this run (real or provisional); none when it was not planned in this run. */
  readonly plan?: TerraformPlanJson & PlannedValues;
  /** The upstream's own stand-ins, when its plan was provisional: they may pass through its outputs. */
  readonly standIns: readonly StandInSummary[];
}

interface StateOutput {
  readonly value: unknown;
  readonly type: unknown;
  readonly sensitive: boolean;
}

function typeOf(value: unknown): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(typeOf)];
  if (value !== null && typeof value === "object")
    return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeOf(v)]))];
  return "string";
}

export interface ProvisionalOutputs {
  readonly outputs: Record<string, StateOutput>;
  readonly fromPlan: number;
  readonly standIns: StandInSummary[];
}

/** Every output of `upstream`: its planned value where its plan knows it, else a stand-in of the right shape. */
export function provisionalOutputs(input: UpstreamInput): ProvisionalOutputs {
  const synthesized = JSON.parse(
    fs.readFileSync(input.stack.synthesizedStackPath, "utf8"),
  ) as SynthesizedStack;
  const region = synthesized.provider?.aws?.find((p) => !p.alias)?.region ?? "us-east-1";
  const account = accountFactsOf(synthesized)?.id;
  const planned = input.plan?.planned_values?.outputs ?? {};
  const resources = input.plan?.planned_values?.root_module?.resources ?? [];
  const outputs: Record<string, StateOutput> = {};
  const standIns: StandInSummary[] = [];
  let fromPlan = 0;
  for (const [name, output] of Object.entries(synthesized.output ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    const sensitive = output.sensitive === true;
    const known = planned[name];
    if (known && Object.hasOwn(known, "value")) {
      outputs[name] = { value: known.value, type: known.type ?? typeOf(known.value), sensitive };
      fromPlan++;
      // An upstream stand-in that passes through this output stays a stand-in downstream.
      for (const s of input.standIns)
        if (holdsStandIn(known.value, s.value) && !standIns.includes(s)) standIns.push(s);
      continue;
    }
    const ref = parseReference(output.value);
    const address = ref ? `${ref.type}.${ref.name}` : undefined;
    const values = resources.find((r) => r.address === address)?.values ?? {};
    const seed = `${input.stack.name}/${address ?? name}`;
    const value = ref
      ? standIn(ref, values, { region, account, seed })
      : `provisional-${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
    outputs[name] = { value, type: typeOf(value), sensitive };
    const reference = ref ? `${ref.type}.${ref.name}.${ref.attribute}` : String(output.value);
    if (standIns.some((s) => s.upstream === input.stack.name && s.reference === reference)) continue;
    standIns.push({
      upstream: input.stack.name,
      output: name,
      reference,
      value,
    });
  }
  return { outputs, fromPlan, standIns };
}

/** A Terraform state (format 4) that holds only outputs: what `terraform_remote_state` reads. */
function stateOf(upstream: string, outputs: Record<string, StateOutput>): string {
  return `${JSON.stringify(
    {
      version: 4,
      terraform_version: "1.10.0",
      serial: 1,
      lineage: `provisional-${upstream}`,
      outputs,
      resources: [],
    },
    null,
    2,
  )}\n`;
}

export interface ProvisionalRun {
  readonly status: "changes" | "no-changes" | "waiting" | "error";
  /** Upstreams that still had no state (not given as inputs): the plan could not be made. */
  readonly waitingOn: readonly string[];
  readonly error?: string;
  /** `terraform show -json` of the provisional plan. */
  readonly showJson?: string;
  readonly fromPlans: number;
  readonly standIns: readonly StandInSummary[];
}

/** The remote-state data source of a cdktf stack for `upstream`, as an override file names it. */
const dataSourceName = (upstream: string) => remoteStateAddress(upstream).split(".").pop()!;

/**
 * Plans `stack` with provisional outputs of `inputs` (every upstream it waits on), in a copy of its directory
 * that shares its initialised Terraform data. The copy and its plan file are removed before returning.
 */
export async function planProvisionally(
  stack: StackInfo,
  inputs: readonly UpstreamInput[],
  outdir: string,
  terraform: TerraformOptions | undefined,
): Promise<ProvisionalRun> {
  // Same depth as `stacks/<name>`: a relative local backend path still names the stack's own state.
  const copy = path.join(outdir, PROVISIONAL_DIRECTORY, path.basename(stack.workingDirectory));
  fs.rmSync(copy, { recursive: true, force: true });
  fs.mkdirSync(copy, { recursive: true });
  try {
    for (const entry of fs.readdirSync(stack.workingDirectory, { withFileTypes: true })) {
      if (entry.name === ".terraform") continue;
      const from = path.join(stack.workingDirectory, entry.name);
      // Asset directories (or links to them) are shared, files copied: the override file is the copy's own.
      if (fs.statSync(from).isDirectory()) fs.symlinkSync(from, path.join(copy, entry.name), "dir");
      else fs.copyFileSync(from, path.join(copy, entry.name));
    }
    const overrides: Record<string, unknown> = {};
    let fromPlans = 0;
    const standIns: StandInSummary[] = [];
    for (const input of inputs) {
      const made = provisionalOutputs(input);
      fromPlans += made.fromPlan;
      standIns.push(...made.standIns.filter((s) => !standIns.includes(s)));
      const stateFile = path.join(copy, `provisional-${input.stack.name}.tfstate`);
      fs.writeFileSync(stateFile, stateOf(input.stack.name, made.outputs));
      overrides[dataSourceName(input.stack.name)] = { backend: "local", config: { path: stateFile } };
    }
    fs.writeFileSync(
      path.join(copy, OVERRIDE_FILE),
      `${JSON.stringify({ data: { terraform_remote_state: overrides } }, null, 2)}\n`,
    );
    const env = { ...terraform?.env, TF_DATA_DIR: path.join(stack.workingDirectory, ".terraform") };
    const options = { ...terraform, env };
    const binary = path.join(copy, "provisional.tfplan");
    const base = { fromPlans, standIns };
    const plan = await runTerraform(
      ["plan", "-input=false", "-json", "-detailed-exitcode", "-lock-timeout=300s", `-out=${binary}`],
      copy,
      options,
    );
    if (plan.exitCode !== 0 && plan.exitCode !== 2) {
      const waitingOn = waitingUpstreams(parseDiagnostics(plan.stdout));
      if (waitingOn) return { ...base, status: "waiting", waitingOn, error: describeErrors(plan) };
      return { ...base, status: "error", waitingOn: [], error: describeErrors(plan) };
    }
    const show = await runTerraform(["show", "-json", "-no-color", binary], copy, options);
    if (show.exitCode !== 0)
      return {
        ...base,
        status: "error",
        waitingOn: [],
        error: `terraform show failed:\n${describeErrors(show)}`,
      };
    return {
      ...base,
      status: plan.exitCode === 2 ? "changes" : "no-changes",
      waitingOn: [],
      showJson: show.stdout,
    };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** Removes what an interrupted provisional plan may have left under the synth output. */
export function clearProvisional(outdir: string): void {
  fs.rmSync(path.join(outdir, PROVISIONAL_DIRECTORY), { recursive: true, force: true });
}
