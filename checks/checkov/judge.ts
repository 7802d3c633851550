/**
 * Ties Checkov's results to the resources of our model and applies the suppressions in code to them: a
 * failure is "skipped" when the resource suppresses that exact check id (or, for the route authorization
 * checks, is declared a public route). Checkov's Terraform JSON mode ignores skip comments in `//` keys, so
 * skips happen here.
 */
import type { SecondScanner } from "../engine";
import { resourceLine, type Model, type Resource } from "../model";
import type { CheckovResult, CheckovRun } from "./run";

export type CheckovStatus = "passed" | "failed" | "skipped";

export interface CheckovOutcome {
  readonly checkId: string;
  readonly checkName: string;
  readonly stack: string;
  /** Terraform address of the block in its stack (Checkov's own id when no resource matches). */
  readonly address: string;
  readonly status: CheckovStatus;
  /** The suppression's reason, for status "skipped". */
  readonly reason?: string;
  readonly guideline?: string;
}

export interface CheckovCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface CheckovReport {
  readonly version: string;
  readonly millis: number;
  readonly outcomes: readonly CheckovOutcome[];
  readonly summary: CheckovCounts;
  /** Counts per check id. */
  readonly byCheck: ReadonlyMap<string, CheckovCounts>;
  readonly ok: boolean;
}

/** Checks whose failures a public-route declaration excuses: HTTP API routes and REST API methods. */
export const PUBLIC_ROUTE_CHECKS = ["CKV_AWS_309", "CKV_AWS_59"];

/**
 * Finds the resource a result is about. Graph checks name it `type.name`; resource checks say only
 * `resource.name` (Checkov 3.3 drops the type), so the name and the block's first line decide.
 */
function resolve(model: Model, result: CheckovResult): { stack: string; resource?: Resource } | undefined {
  const stack = model.stacks.find(
    (s) => s.relativeFile === result.file || result.file.endsWith(`/${s.relativeFile}`),
  );
  if (!stack) return undefined;
  const direct = model.resource(stack.name, result.resource);
  if (direct) return { stack: stack.name, resource: direct };
  const [mode, ...rest] = result.resource.split(".");
  const name = rest.join(".");
  const candidates = stack.resources.filter(
    (r) => r.name === name && r.mode === (mode === "data" ? "data" : "resource"),
  );
  const resource =
    candidates.length === 1
      ? candidates[0]
      : candidates.find((r) => resourceLine(stack.text, r.address) === result.startLine);
  return { stack: stack.name, resource };
}

function skipReason(resource: Resource | undefined, checkId: string): string | undefined {
  if (!resource) return undefined;
  const suppression = resource.suppressions.find((s) => s.rule.trim().toUpperCase() === checkId);
  if (suppression) return suppression.reason;
  if (PUBLIC_ROUTE_CHECKS.includes(checkId) && resource.publicRoute !== undefined)
    return `public route: ${resource.publicRoute}`;
  return undefined;
}

export function judgeCheckov(run: CheckovRun, model: Model): CheckovReport {
  const outcomes: CheckovOutcome[] = run.results.map((r) => {
    const where = resolve(model, r);
    const reason = r.verdict === "failed" ? skipReason(where?.resource, r.checkId) : undefined;
    return {
      checkId: r.checkId,
      checkName: r.checkName,
      stack: where?.stack ?? r.file,
      address: where?.resource?.address ?? r.resource,
      status: r.verdict === "passed" ? "passed" : reason !== undefined ? "skipped" : "failed",
      ...(reason !== undefined ? { reason } : {}),
      ...(r.guideline ? { guideline: r.guideline } : {}),
    };
  });
  // Checkov's order depends on set iteration; the reports must not.
  outcomes.sort(
    (a, b) =>
      a.checkId.localeCompare(b.checkId) ||
      a.stack.localeCompare(b.stack) ||
      a.address.localeCompare(b.address),
  );
  const summary: CheckovCounts = { passed: 0, failed: 0, skipped: 0 };
  const byCheck = new Map<string, CheckovCounts>();
  for (const o of outcomes) {
    summary[o.status]++;
    const c = byCheck.get(o.checkId) ?? { passed: 0, failed: 0, skipped: 0 };
    c[o.status]++;
    byCheck.set(o.checkId, c);
  }
  return { version: run.version, millis: run.millis, outcomes, summary, byCheck, ok: summary.failed === 0 };
}

/** What the pack's suppression judgement needs from Checkov: did it fail this id on this resource? */
export function checkovScanner(report: CheckovReport | undefined): SecondScanner {
  const failed = new Set(
    (report?.outcomes ?? [])
      .filter((o) => o.status !== "passed")
      .map((o) => `${o.checkId}\u0000${o.stack}\u0000${o.address}`),
  );
  return {
    ran: report !== undefined,
    failed: (stack, address, checkId) =>
      failed.has(`${checkId.trim().toUpperCase()}\u0000${stack}\u0000${address}`),
  };
}
