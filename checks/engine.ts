/**
 * Runs every rule on every stack, applies the suppressions found in the JSON, and judges the suppressions
 * themselves: one that names an unknown rule, or excuses a resource that does not fail the rule, is an error.
 * A suppression is also used when a second scanner (Checkov) fails that check id on that resource.
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
  /** The id as written in the suppression (a rule id or one of its reference aliases). */
  readonly rule: string;
  /** The rule it resolved to, if any. */
  readonly ruleId?: string;
  readonly reason: string;
  /** "unverified": only the second scanner could tell whether it is used, and that scanner did not run. */
  readonly status: "applied" | "unknown-rule" | "suppresses-nothing" | "unverified";
  readonly message: string;
  /** Who uses it, for status "applied": the pack, the second scanner, or both. */
  readonly usedBy?: readonly ("pack" | "checkov")[];
}

/** What a second scanner concluded, so that a suppression of one of its check ids counts as used. */
export interface SecondScanner {
  /** false when the scanner was switched off for this run: its ids cannot be judged. */
  readonly ran: boolean;
  /** Whether the scanner failed `checkId` (exact id) on the resource. */
  failed(stack: string, address: string, checkId: string): boolean;
}

/** Ids another scanner may own: Checkov's CKV_/CKV2_ check ids. */
export const CHECKOV_ID = /^CKV2?_[A-Z0-9]+_\d+$/i;

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

/** Maps every rule id and alias (upper case) to its rule; two rules may never share an id. */
export function ruleIndex(rules: readonly Rule[]): Map<string, Rule> {
  const index = new Map<string, Rule>();
  for (const rule of rules) {
    for (const id of [rule.id, ...rule.aliases]) {
      const key = id.toUpperCase();
      const other = index.get(key);
      if (other) throw new RuleCatalogError(`rule id ${id} is claimed by both ${other.id} and ${rule.id}`);
      index.set(key, rule);
    }
  }
  return index;
}

/**
 * @param checkov what Checkov concluded on the same stacks; without it a suppression must be used by the pack
 */
export function runChecks(
  model: Model,
  rules: readonly Rule[] = ALL_RULES,
  checkov?: SecondScanner,
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
        const rule = byId.get(s.rule.toUpperCase());
        const base = { stack: stack.name, address: resource.address, rule: s.rule, reason: s.reason };
        const result = rule ? evaluated.get(rule.id)?.get(resource.address) : undefined;
        const usedByPack = rule !== undefined && result !== undefined && !result.passed;
        const ownsId = checkov !== undefined && CHECKOV_ID.test(s.rule);
        const usedByCheckov = ownsId && checkov.ran && checkov.failed(stack.name, resource.address, s.rule);
        if (usedByPack) applied.set(`${rule.id} ${resource.address}`, s.reason);
        if (usedByPack || usedByCheckov) {
          suppressions.push({
            ...base,
            ...(rule ? { ruleId: rule.id } : {}),
            status: "applied",
            message: usedByPack ? result.message : `Checkov fails ${s.rule} on this resource`,
            usedBy: [
              ...(usedByPack ? ["pack" as const] : []),
              ...(usedByCheckov ? ["checkov" as const] : []),
            ],
          });
          continue;
        }
        if (ownsId && !checkov.ran) {
          suppressions.push({
            ...base,
            ...(rule ? { ruleId: rule.id } : {}),
            status: "unverified",
            message: `Checkov did not run, so nothing tells whether this suppression of ${s.rule} is used`,
          });
          continue;
        }
        const andCheckov = ownsId ? " and Checkov does not fail it" : "";
        if (!rule) {
          suppressions.push({
            ...base,
            status: "unknown-rule",
            message: ownsId
              ? `suppression of ${s.rule} suppresses nothing: the pack has no such rule${andCheckov} on this resource`
              : `suppression names unknown rule ${s.rule}`,
          });
          continue;
        }
        const why = result ? "the resource passes it" : "the rule does not apply to this resource";
        suppressions.push({
          ...base,
          ruleId: rule.id,
          status: "suppresses-nothing",
          message: `suppression of ${rule.id} suppresses nothing: ${why}${andCheckov}`,
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
