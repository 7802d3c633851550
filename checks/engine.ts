/**
 * Runs every rule on every stack, applies the suppressions found in the JSON, and judges the suppressions
 * themselves: one that names an unknown rule, or excuses a resource that does not fail the rule, is an error.
 * A suppression of a Checkov id is Checkov's: it is used when Checkov fails that id on that resource.
 */
import type { Model } from "./model";
import type { Rule, Severity } from "./rule";
import { ALL_RULES } from "./rules";

export type Status = "pass" | "suppressed" | "fail";

export interface Outcome {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly stack: string;
  readonly address: string;
  readonly status: Status;
  readonly message: string;
  /** The suppression's reason, for status "suppressed". */
  readonly reason?: string;
}

export interface SuppressionEntry {
  readonly stack: string;
  readonly address: string;
  /** The id as written in the suppression. */
  readonly rule: string;
  /** The pack's rule it names, if any. */
  readonly ruleId?: string;
  readonly reason: string;
  /** "unverified": a suppression of a Checkov id while Checkov did not run. */
  readonly status: "applied" | "unknown-rule" | "suppresses-nothing" | "unverified";
  readonly message: string;
  /** Who uses it, for status "applied": the pack (its own ids) or Checkov (Checkov's ids). */
  readonly usedBy?: "pack" | "checkov";
}

/** What a second scanner concluded, so that a suppression of one of its check ids counts as used. */
export interface SecondScanner {
  /** false when the scanner was switched off for this run: its ids cannot be judged. */
  readonly ran: boolean;
  /** Whether the scanner failed `checkId` (exact id) on the resource. */
  failed(stack: string, address: string, checkId: string): boolean;
}

/** Checkov's check ids (CKV_/CKV2_): Checkov decides them, no pack rule may claim one. */
export const CHECKOV_ID = /^CKV2?_[A-Z0-9]+_\d+$/i;

/** For a run without Checkov: its suppressions cannot be judged. */
export const CHECKOV_NOT_RUN: SecondScanner = { ran: false, failed: () => false };

export function isInvalidSuppression(s: SuppressionEntry): boolean {
  return s.status !== "applied" && s.status !== "unverified";
}

export interface PublicRoute {
  readonly stack: string;
  readonly address: string;
  readonly reason: string;
}

export interface CheckReport {
  readonly rules: readonly Rule[];
  readonly stacks: readonly { readonly name: string; readonly production: boolean }[];
  readonly outcomes: readonly Outcome[];
  readonly suppressions: readonly SuppressionEntry[];
  readonly publicRoutes: readonly PublicRoute[];
  readonly summary: {
    readonly pass: number;
    readonly suppressed: number;
    readonly fail: number;
    readonly invalidSuppressions: number;
  };
  /** No failure and no invalid suppression. */
  readonly ok: boolean;
}

/** A rule crashed on a stack: a bug in the rule or JSON it does not expect; never reported as a pass. */
export class RuleEvaluationError extends Error {
  constructor(
    readonly ruleId: string,
    readonly stackName: string,
    cause: unknown,
  ) {
    super(
      `rule ${ruleId} could not evaluate stack ${stackName}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = "RuleEvaluationError";
  }
}

export class RuleCatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuleCatalogError";
  }
}

/** Maps every rule id (upper case) to its rule; two rules may never share an id, nor take one of Checkov's. */
export function ruleIndex(rules: readonly Rule[]): Map<string, Rule> {
  const index = new Map<string, Rule>();
  for (const rule of rules) {
    const key = rule.id.toUpperCase();
    if (CHECKOV_ID.test(rule.id))
      throw new RuleCatalogError(
        `rule id ${rule.id} is Checkov's: Checkov decides its own checks; give the pack's rule a BLOG_* id`,
      );
    if (index.has(key)) throw new RuleCatalogError(`rule id ${rule.id} is claimed twice`);
    index.set(key, rule);
  }
  return index;
}

/**
 * @param checkov what Checkov concluded on the same stacks, which judges the suppressions of Checkov's ids
 */
export function runChecks(
  model: Model,
  rules: readonly Rule[] = ALL_RULES,
  checkov: SecondScanner = CHECKOV_NOT_RUN,
): CheckReport {
  const byId = ruleIndex(rules);
  const outcomes: Outcome[] = [];
  const suppressions: SuppressionEntry[] = [];

  for (const stack of model.stacks) {
    // rule id → address → evaluation outcome, to apply and judge suppressions afterwards
    const evaluated = new Map<string, Map<string, { passed: boolean; message: string }>>();
    for (const rule of rules) {
      const byAddress = new Map<string, { passed: boolean; message: string }>();
      let evaluations;
      try {
        evaluations = rule.evaluate({ model, stack });
      } catch (e) {
        throw new RuleEvaluationError(rule.id, stack.name, e);
      }
      for (const e of evaluations) {
        const previous = byAddress.get(e.resource.address);
        // A rule that yields twice for one resource fails it if either evaluation fails.
        if (!previous || previous.passed)
          byAddress.set(e.resource.address, { passed: e.passed, message: e.message });
      }
      evaluated.set(rule.id, byAddress);
    }

    const applied = new Map<string, string>(); // `${ruleId} ${address}` → reason
    for (const resource of stack.resources) {
      for (const s of resource.suppressions) {
        const base = { stack: stack.name, address: resource.address, rule: s.rule, reason: s.reason };
        if (CHECKOV_ID.test(s.rule)) {
          suppressions.push({
            ...base,
            ...checkovSuppression(checkov, stack.name, resource.address, s.rule),
          });
          continue;
        }
        const rule = byId.get(s.rule.toUpperCase());
        if (!rule) {
          suppressions.push({
            ...base,
            status: "unknown-rule",
            message: `suppression names unknown rule ${s.rule}`,
          });
          continue;
        }
        const result = evaluated.get(rule.id)?.get(resource.address);
        if (result && !result.passed) {
          applied.set(`${rule.id} ${resource.address}`, s.reason);
          suppressions.push({
            ...base,
            ruleId: rule.id,
            status: "applied",
            message: result.message,
            usedBy: "pack",
          });
          continue;
        }
        const why = result ? "the resource passes it" : "the rule does not apply to this resource";
        suppressions.push({
          ...base,
          ruleId: rule.id,
          status: "suppresses-nothing",
          message: `suppression of ${rule.id} suppresses nothing: ${why}`,
        });
      }
    }

    for (const rule of rules) {
      for (const [address, result] of evaluated.get(rule.id) ?? []) {
        const reason = result.passed ? undefined : applied.get(`${rule.id} ${address}`);
        outcomes.push({
          ruleId: rule.id,
          severity: rule.severity,
          stack: stack.name,
          address,
          status: result.passed ? "pass" : reason !== undefined ? "suppressed" : "fail",
          message: result.message,
          reason,
        });
      }
    }
  }

  const count = (status: Status) => outcomes.filter((o) => o.status === status).length;
  const invalidSuppressions = suppressions.filter(isInvalidSuppression).length;
  const summary = {
    pass: count("pass"),
    suppressed: count("suppressed"),
    fail: count("fail"),
    invalidSuppressions,
  };
  return {
    rules,
    stacks: model.stacks.map((s) => ({ name: s.name, production: s.facts.production })),
    outcomes,
    suppressions,
    publicRoutes: model.stacks.flatMap((s) =>
      s.resources
        .filter((r) => r.publicRoute)
        .map((r) => ({ stack: s.name, address: r.address, reason: r.publicRoute as string })),
    ),
    summary,
    ok: summary.fail === 0 && invalidSuppressions === 0,
  };
}

/** A suppression of a Checkov id is judged by what Checkov concluded on that resource. */
function checkovSuppression(
  checkov: SecondScanner,
  stack: string,
  address: string,
  checkId: string,
): Pick<SuppressionEntry, "status" | "message" | "usedBy"> {
  if (!checkov.ran)
    return {
      status: "unverified",
      message: `Checkov did not run, so nothing tells whether this suppression of ${checkId} is used`,
    };
  if (checkov.failed(stack, address, checkId))
    return { status: "applied", message: `Checkov fails ${checkId} on this resource`, usedBy: "checkov" };
  return {
    status: "suppresses-nothing",
    message: `suppression of ${checkId} suppresses nothing: Checkov does not fail it on this resource (or has no such check)`,
  };
}
