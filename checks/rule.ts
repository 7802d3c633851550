/**
 * What a rule is: an id (BLOG_* for the project's own, FSBP_* for an AWS control Checkov lacks; Checkov's ids are
 * Checkov's), what is wrong and how to fix it, and an evaluation over one stack.
 */
import type { Model, Resource, Stack } from "./model";

export type Severity = "error" | "warning";

export interface RuleContext {
  readonly model: Model;
  readonly stack: Stack;
}

export interface Evaluation {
  readonly resource: Resource;
  readonly passed: boolean;
  /** Why it failed (specific to the resource), or what was found when it passed. */
  readonly message: string;
}

export interface Rule {
  /** BLOG_* for the project's own rules, or the AWS Foundational Security Best Practices id (FSBP_S3.5). */
  readonly id: string;
  readonly title: string;
  /** What is wrong when the rule fails, and why it matters. */
  readonly description: string;
  /** How to fix it. */
  readonly remediation: string;
  readonly severity: Severity;
  /** Public definition of the reference control (none for the project's own BLOG_* rules). */
  readonly helpUri?: string;
  /** The Checkov check this rule goes beyond, and why Checkov's verdict alone is not enough here. */
  readonly beyondCheckov?: { readonly check: string; readonly why: string };
  evaluate(ctx: RuleContext): Evaluation[];
}

/** A check's answer for one resource: nothing (pass), one or more problems, or "does not apply". */
export const NOT_APPLICABLE = Symbol("not applicable");
export type CheckResult = string | readonly string[] | undefined | typeof NOT_APPLICABLE;

export interface ResourceRuleDefinition extends Omit<Rule, "evaluate" | "severity" | "helpUri"> {
  /** @default "error" */
  readonly severity?: Severity;
  /** @default derived from the id (the Security Hub user guide for FSBP) */
  readonly helpUri?: string;
  /** Resource types the rule looks at. */
  readonly types: readonly string[];
  readonly check: (resource: Resource, ctx: RuleContext) => CheckResult;
}

export type RuleMetadata = Omit<ResourceRuleDefinition, "types" | "check">;

/** A rule that evaluates a whole stack itself (for rules over every resource). */
export function stackRule(def: RuleMetadata, evaluate: (ctx: RuleContext) => Evaluation[]): Rule {
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    remediation: def.remediation,
    severity: def.severity ?? "error",
    helpUri: def.helpUri ?? helpUriFor(def.id),
    ...(def.beyondCheckov ? { beyondCheckov: def.beyondCheckov } : {}),
    evaluate,
  };
}

/** Most rules look at one resource type at a time; this turns a per-resource check into a rule. */
export function resourceRule(def: ResourceRuleDefinition): Rule {
  return stackRule(def, (ctx) => {
    const evaluations: Evaluation[] = [];
    for (const resource of ctx.model.resources(def.types, ctx.stack)) {
      const result = def.check(resource, ctx);
      if (result === NOT_APPLICABLE) continue;
      const problems = result === undefined ? [] : typeof result === "string" ? [result] : result;
      evaluations.push({
        resource,
        passed: problems.length === 0,
        message: problems.length === 0 ? def.title : problems.join("; "),
      });
    }
    return evaluations;
  });
}

export function helpUriFor(id: string): string | undefined {
  const fsbp = /^FSBP_([A-Za-z0-9]+)\.(\d+)$/.exec(id);
  if (fsbp) {
    const service = fsbp[1].toLowerCase();
    return `https://docs.aws.amazon.com/securityhub/latest/userguide/${service}-controls.html#${service}-${fsbp[2]}`;
  }
  return undefined;
}
