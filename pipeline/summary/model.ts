/**
 * The summary's data model: what `plan-summary.json` holds and what the markdown is rendered from.
 * Values of attributes are never copied in (they may be secrets); only addresses, attribute names and the
 * facts behind a security callout (e.g. "ingress from 0.0.0.0/0").
 */
import type { StackStatus } from "../plan-store";
import type { DestroyFacts } from "./teardown";

export type ChangeAction = "create" | "update" | "replace" | "delete" | "move" | "import" | "forget";

export const COUNTED_ACTIONS = ["create", "update", "replace", "delete"] as const;
export type CountedAction = (typeof COUNTED_ACTIONS)[number];
export type ActionCounts = Record<CountedAction, number>;

export interface ResourceChangeSummary {
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Set when a `moved` block (cdktf `moveTo`/`moveFromId`) renames the resource. */
  readonly movedFrom?: string;
  /** Set when an `import` block (cdktf `importFrom`) adopts an existing object. */
  readonly importing?: boolean;
  /** Attribute paths that force a replacement. */
  readonly replacedBecause: readonly string[];
  /** Top-level attributes whose value changes (or becomes known only after apply). */
  readonly changedAttributes: readonly string[];
  /** In a provisional plan: the top-level attributes whose planned value holds a stand-in. */
  readonly standIns?: readonly string[];
}

/** An upstream output a provisional plan read as a stand-in, because the upstream's plan does not know it yet. */
export interface StandInSummary {
  readonly upstream: string;
  readonly output: string;
  /** What it stands for, in the upstream's configuration: `aws_kms_key.key.arn`. */
  readonly reference: string;
  /** The made-up value (never a secret: it was made here). */
  readonly value: string | number;
}

/** How a stack was planned without its upstreams' state (pipeline/provisional.ts). */
export interface ProvisionalSummary {
  /** The upstream stacks without the state this stack reads: their outputs were provisional. */
  readonly upstreams: readonly string[];
  /** Outputs taken from the upstreams' plans (known before apply). */
  readonly fromPlans: number;
  readonly standIns: readonly StandInSummary[];
}

/** A policy document created or changed, one line per statement (summary/documents.ts). */
export interface PolicyDocumentSummary {
  readonly address: string;
  readonly attribute: string;
  /** `plan`: the planned value; `source`: known only after apply, so read from the synthesized source. */
  readonly from: "plan" | "source";
  /** Whether stand-in values were marked in it. */
  readonly standIns: boolean;
  readonly lines: readonly string[];
}

export type CalloutKind = "iam" | "security-group" | "public";

export interface Callout {
  readonly kind: CalloutKind;
  readonly stack: string;
  readonly address: string;
  readonly action: ChangeAction;
  readonly message: string;
}

export interface StackSummary {
  readonly name: string;
  readonly status: StackStatus;
  readonly refreshOnly: boolean;
  readonly counts: ActionCounts;
  /** Every change except no-ops and data-source reads, destroys and replacements first. */
  readonly changes: readonly ResourceChangeSummary[];
  /** Objects changed or deleted outside Terraform since the last apply. */
  readonly drift: readonly ResourceChangeSummary[];
  readonly outputChanges: readonly string[];
  readonly callouts: readonly Callout[];
  readonly waitingOn: readonly string[];
  readonly error?: string;
  readonly notes: readonly string[];
  /** The AWS account it was planned in and through which credentials, when its environment has an account. */
  readonly account?: { readonly id?: string; readonly via: string };
  /** Set when it was planned with provisional upstream outputs: such a plan can never be applied. */
  readonly provisional?: ProvisionalSummary;
  /** The policy documents its plan creates or changes. */
  readonly documents?: readonly PolicyDocumentSummary[];
  /** In a change-scoped plan: why it was planned, or why not (pipeline/change-scope.ts). */
  readonly scope?: { readonly planned: boolean; readonly reasons: readonly string[] };
  /** In a destroy plan: the data it deletes, what outlives it and the protections that refuse it (summary/teardown.ts). */
  readonly destroy?: DestroyFacts;
}

/** A plan scoped to what changed since a base (pipeline/change-scope.ts). */
export interface ScopeSummary {
  /** The base the synth output was compared with (a commit). */
  readonly base: string;
  /** Set when every stack was planned anyway: why. */
  readonly full?: string;
}

export interface PlanSummary {
  readonly kind: "cdktf-plan-summary";
  readonly version: 1;
  readonly totals: ActionCounts;
  readonly stacks: readonly StackSummary[];
  readonly scope?: ScopeSummary;
  /** Set for a destroy plan (`npm run plan -- --destroy`): applied downstream first, it deletes every resource. */
  readonly destroy?: true;
}

export const emptyCounts = (): ActionCounts => ({ create: 0, update: 0, replace: 0, delete: 0 });

export function summarize(
  stacks: readonly StackSummary[],
  scope?: ScopeSummary,
  options: { readonly destroy?: boolean } = {},
): PlanSummary {
  const totals = emptyCounts();
  for (const stack of stacks) for (const a of COUNTED_ACTIONS) totals[a] += stack.counts[a];
  return {
    kind: "cdktf-plan-summary",
    version: 1,
    totals,
    stacks,
    ...(scope ? { scope } : {}),
    ...(options.destroy ? { destroy: true as const } : {}),
  };
}
