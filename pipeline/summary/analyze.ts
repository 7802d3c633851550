/**
 * Turns one `terraform show -json <plan>` document into a stack summary: classified changes, counts,
 * drift and security callouts. Pure and synchronous, so it can be unit-tested on hand-built documents.
 */
import { PlanDocumentError } from "../errors";
import { holdsStandIn } from "../stand-ins";
import type { StackStatus } from "../plan-store";
import { calloutsFor } from "./callouts";
import { documentsOf, type StackSource } from "./documents";
import {
  COUNTED_ACTIONS,
  emptyCounts,
  type ChangeAction,
  type PolicyDocumentSummary,
  type ProvisionalSummary,
  type ResourceChangeSummary,
  type StackSummary,
} from "./model";
import type { RawResourceChange, TerraformPlanJson } from "./plan-json";

// Re-exported: the pipeline imports the document types together with analyzePlan.
export type { RawResourceChange, TerraformPlanJson } from "./plan-json";

export interface AnalyzeOptions {
  readonly stack: string;
  /** @default derived from the changes */
  readonly status?: StackStatus;
  /** A `-refresh-only` plan: drift is the news, not the (empty) change set. @default false */
  readonly refreshOnly?: boolean;
  readonly waitingOn?: readonly string[];
  readonly error?: string;
  readonly notes?: readonly string[];
  readonly account?: StackSummary["account"];
  /** The stack's synthesized configuration: policies known only after apply are read there. @default none */
  readonly source?: StackSource;
  /** Set for a plan made with provisional upstream outputs (its stand-ins are marked). @default none */
  readonly provisional?: ProvisionalSummary;
  /** In a change-scoped plan: why the stack was planned or not. @default none */
  readonly scope?: StackSummary["scope"];
  /** A destroy plan's facts (summary/teardown.ts). @default none */
  readonly destroy?: StackSummary["destroy"];
}

export function assertPlanJson(doc: unknown, source: string): asserts doc is TerraformPlanJson {
  const plan = doc as TerraformPlanJson;
  if (typeof doc !== "object" || doc === null || typeof plan.format_version !== "string") {
    throw new PlanDocumentError(
      `${source} is not \`terraform show -json <planfile>\` output (no format_version)`,
    );
  }
  for (const key of ["resource_changes", "resource_drift"] as const) {
    if (plan[key] !== undefined && !Array.isArray(plan[key])) {
      throw new PlanDocumentError(`${source}: "${key}" must be an array`);
    }
  }
}

/** Terraform's action list → one action; undefined for no-ops and data-source reads. */
export function classify(change: RawResourceChange): ChangeAction | undefined {
  const actions = change.change.actions.join(",");
  switch (actions) {
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "delete,create":
    case "create,delete":
      return "replace";
    case "forget":
      return "forget";
    case "no-op":
      if (change.change.importing) return "import";
      if (change.previous_address && change.previous_address !== change.address) return "move";
      return undefined;
    case "read":
      return undefined;
    default:
      throw new PlanDocumentError(`${change.address}: unknown Terraform actions [${actions}]`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function changedAttributes(change: RawResourceChange["change"]): string[] {
  const before = isRecord(change.before) ? change.before : {};
  const after = isRecord(change.after) ? change.after : {};
  const unknown = isRecord(change.after_unknown) ? change.after_unknown : {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...keys]
    .filter(
      (k) => unknown[k] === true || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null),
    )
    .sort();
}

const pathToString = (p: readonly (string | number)[]) =>
  p.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");

/** Destroys first, then replacements, then the rest; by address within each group. */
const ACTION_ORDER: Record<ChangeAction, number> = {
  delete: 0,
  replace: 1,
  forget: 2,
  update: 3,
  create: 4,
  import: 5,
  move: 6,
};

/** The top-level attributes of a planned value that hold one of the stand-ins. */
function attributesWithStandIns(after: unknown, standIns: ProvisionalSummary["standIns"]): string[] {
  if (!isRecord(after) || standIns.length === 0) return [];
  return Object.entries(after)
    .filter(([, v]) => standIns.some((s) => holdsStandIn(v, s.value)))
    .map(([k]) => k)
    .sort();
}

export function summarizeChange(
  raw: RawResourceChange,
  action: ChangeAction,
  standIns: ProvisionalSummary["standIns"] = [],
): ResourceChangeSummary {
  const lifecycleChange = action === "create" || action === "delete";
  const withStandIns = action === "delete" ? [] : attributesWithStandIns(raw.change.after, standIns);
  return {
    address: raw.address,
    type: raw.type,
    action,
    ...(raw.previous_address && raw.previous_address !== raw.address
      ? { movedFrom: raw.previous_address }
      : {}),
    ...(raw.change.importing ? { importing: true } : {}),
    replacedBecause: (raw.change.replace_paths ?? []).map(pathToString),
    changedAttributes: lifecycleChange ? [] : changedAttributes(raw.change),
    ...(withStandIns.length > 0 ? { standIns: withStandIns } : {}),
  };
}

const byAddressThenAttribute = (a: PolicyDocumentSummary, b: PolicyDocumentSummary) => {
  const ka = `${a.address}\0${a.attribute}`;
  const kb = `${b.address}\0${b.attribute}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

const byActionThenAddress = (a: ResourceChangeSummary, b: ResourceChangeSummary) =>
  ACTION_ORDER[a.action] - ACTION_ORDER[b.action] ||
  (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

export function analyzePlan(plan: TerraformPlanJson, options: AnalyzeOptions): StackSummary {
  const counts = emptyCounts();
  const changes: ResourceChangeSummary[] = [];
  const callouts = [];
  const documents: PolicyDocumentSummary[] = [];
  const standIns = options.provisional?.standIns ?? [];
  for (const raw of plan.resource_changes ?? []) {
    if (raw.mode === "data") continue;
    const action = classify(raw);
    if (!action) continue;
    if ((COUNTED_ACTIONS as readonly string[]).includes(action)) counts[action as keyof typeof counts]++;
    const change = summarizeChange(raw, action, standIns);
    changes.push(change);
    callouts.push(...calloutsFor(raw, change, options.stack));
    documents.push(...documentsOf(raw, action, change.changedAttributes, options.source, standIns));
  }
  const drift: ResourceChangeSummary[] = [];
  for (const raw of plan.resource_drift ?? []) {
    if (raw.mode === "data") continue;
    const action = classify(raw);
    if (action) drift.push(summarizeChange(raw, action));
  }
  const outputChanges = Object.entries(plan.output_changes ?? {})
    .filter(([, c]) => !c.actions.every((a) => a === "no-op"))
    .map(([name]) => name)
    .sort();

  const refreshOnly = options.refreshOnly ?? false;
  const hasNews = refreshOnly ? drift.length > 0 : changes.length > 0 || outputChanges.length > 0;
  return {
    name: options.stack,
    status: options.status ?? (hasNews ? "changes" : "no-changes"),
    refreshOnly,
    counts,
    changes: changes.sort(byActionThenAddress),
    drift: drift.sort(byActionThenAddress),
    outputChanges,
    callouts,
    waitingOn: options.waitingOn ?? [],
    ...(options.error ? { error: options.error } : {}),
    notes: options.notes ?? [],
    ...(options.account ? { account: options.account } : {}),
    ...(options.provisional ? { provisional: options.provisional } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.destroy ? { destroy: options.destroy } : {}),
    ...(documents.length > 0 ? { documents: documents.sort(byAddressThenAttribute) } : {}),
  };
}

/** A stack that produced no plan document (it failed or waits on an upstream). */
export function summaryWithoutPlan(options: AnalyzeOptions & { readonly status: StackStatus }): StackSummary {
  return analyzePlan({ format_version: "1.2" }, options);
}
