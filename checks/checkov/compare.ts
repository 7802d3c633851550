/**
 * Our pack beside Checkov, id by id: what Checkov concludes on our stacks for every id a pack rule claims,
 * and where the two verdicts differ on the same resource (docs/security-rules.md, "Checkov on our stacks").
 */
import { CHECKOV_ID, type CheckReport } from "../engine";
import type { CheckovCatalog } from "./catalog";
import type { CheckovCounts, CheckovReport } from "./judge";

export interface Disagreement {
  /** The pack passes the resource, Checkov fails it (whether a suppression then skips it or not). */
  readonly packPassesCheckovFails: number;
  /** The pack fails it (or it is suppressed), Checkov passes it. */
  readonly packFailsCheckovPasses: number;
  /** Checkov fails a resource the pack's rule does not judge (not applicable there, or another resource). */
  readonly onlyCheckovFails: number;
}

export interface IdComparison {
  readonly id: string;
  /** The pack rule claiming the id (itself, or as one of the ids it also covers). */
  readonly ruleId: string;
  readonly checkov:
    | { readonly kind: "not-checkov" }
    | { readonly kind: "unknown" }
    | { readonly kind: "known"; readonly title: string; readonly counts?: CheckovCounts };
  readonly disagreement?: Disagreement;
}

const key = (stack: string, address: string) => `${stack}\u0000${address}`;

export function compareWithCheckov(
  pack: CheckReport,
  checkov: CheckovReport,
  catalog: CheckovCatalog,
): IdComparison[] {
  return pack.rules.flatMap((rule) => {
    const packStatus = new Map(
      pack.outcomes.filter((o) => o.ruleId === rule.id).map((o) => [key(o.stack, o.address), o.status]),
    );
    return [rule.id, ...rule.aliases].map((id): IdComparison => {
      if (!CHECKOV_ID.test(id)) return { id, ruleId: rule.id, checkov: { kind: "not-checkov" } };
      const title = catalog.get(id);
      if (title === undefined) return { id, ruleId: rule.id, checkov: { kind: "unknown" } };
      let packPassesCheckovFails = 0;
      let packFailsCheckovPasses = 0;
      let onlyCheckovFails = 0;
      for (const o of checkov.outcomes.filter((x) => x.checkId === id)) {
        const ours = packStatus.get(key(o.stack, o.address));
        const theirsFail = o.status !== "passed";
        if (ours === undefined) onlyCheckovFails += theirsFail ? 1 : 0;
        else if (ours === "pass" && theirsFail) packPassesCheckovFails++;
        else if (ours !== "pass" && !theirsFail) packFailsCheckovPasses++;
      }
      const differs = packPassesCheckovFails + packFailsCheckovPasses + onlyCheckovFails > 0;
      return {
        id,
        ruleId: rule.id,
        checkov: { kind: "known", title, counts: checkov.byCheck.get(id) },
        ...(differs
          ? { disagreement: { packPassesCheckovFails, packFailsCheckovPasses, onlyCheckovFails } }
          : {}),
      };
    });
  });
}

/** Checkov checks no pack rule claims that Checkov fails on our stacks (all skipped in code, or failing). */
export function checkovOnlyFailures(
  pack: CheckReport,
  checkov: CheckovReport,
  catalog: CheckovCatalog,
): { readonly id: string; readonly title: string; readonly counts: CheckovCounts }[] {
  const claimed = new Set(pack.rules.flatMap((r) => [r.id, ...r.aliases]));
  return [...checkov.byCheck]
    .filter(([id, c]) => !claimed.has(id) && c.failed + c.skipped > 0)
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([id, counts]) => ({ id, title: catalog.get(id) ?? id, counts }));
}
