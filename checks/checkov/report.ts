/** Checkov's part of `npm run check`: the text summary, `checkov-report.json` and `checkov-report.sarif`. */
import { createHash } from "crypto";
import { resourceLine, type Model } from "../model";
import type { CheckovReport } from "./judge";

export const CHECKOV_JSON_REPORT = "checkov-report.json";
export const CHECKOV_SARIF_REPORT = "checkov-report.sarif";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
const POLICY_INDEX = "https://www.checkov.io/5.Policy%20Index/terraform.html";

/** Failures and skips with their reasons, then one summary line. */
export function formatCheckov(report: CheckovReport): string {
  const out: string[] = [];
  const failed = report.outcomes.filter((o) => o.status === "failed");
  if (failed.length) {
    out.push(`\nCHECKOV FAILURES (${failed.length})`);
    for (const o of failed)
      out.push(
        `  ✗ ${o.checkId}  ${o.stack}  ${o.address}`,
        `      ${o.checkName}`,
        `      fix it, or suppress(resource, "${o.checkId}", reason) next to the resource`,
      );
  }
  const skipped = report.outcomes.filter((o) => o.status === "skipped");
  if (skipped.length) {
    out.push(`\nCHECKOV SKIPPED (${skipped.length})`);
    for (const o of skipped)
      out.push(`  ~ ${o.checkId}  ${o.stack}  ${o.address}`, `      reason: ${o.reason}`);
  }
  const { passed, failed: f, skipped: s } = report.summary;
  out.push(
    `\nCHECKOV ${report.ok ? "PASSED" : "FAILED"}: Checkov ${report.version}, ${report.byCheck.size} checks, ` +
      `${passed} passed, ${s} skipped, ${f} failed (${(report.millis / 1000).toFixed(1)} s)`,
  );
  return out.join("\n");
}

/** `checkov-report.json`: summary, counts per check id, every result (no timing, so runs compare equal). */
export function toCheckovJson(report: CheckovReport): object {
  return {
    version: 1,
    checkovVersion: report.version,
    ok: report.ok,
    summary: report.summary,
    checks: Object.fromEntries([...report.byCheck].sort(([a], [b]) => a.localeCompare(b))),
    results: report.outcomes,
  };
}

/**
 * SARIF 2.1.0 for code scanning, beside the pack's: failures as errors, skips as results with an in-source
 * suppression carrying the reason, located at the resource's line.
 * @param outdirUri how the output directory appears in URIs, relative to the repository root
 */
export function toCheckovSarif(report: CheckovReport, model: Model, outdirUri: string): object {
  const reported = report.outcomes.filter((o) => o.status !== "passed");
  const ids = [...new Set(reported.map((o) => o.checkId))].sort();
  const rules = ids.map((id) => {
    const first = reported.find((o) => o.checkId === id);
    const name = first?.checkName ?? id;
    return {
      id,
      name: id,
      shortDescription: { text: name },
      fullDescription: { text: name },
      helpUri: first?.guideline ?? POLICY_INDEX,
      defaultConfiguration: { level: "error" },
    };
  });
  const ruleIndex = new Map(ids.map((id, i) => [id, i]));
  const results = reported.map((o) => {
    const stack = model.stack(o.stack);
    return {
      ruleId: o.checkId,
      ruleIndex: ruleIndex.get(o.checkId),
      level: "error",
      message: { text: `${o.stack} ${o.address}: ${o.checkName}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `${outdirUri}/${stack?.relativeFile ?? o.stack}` },
            region: { startLine: stack ? resourceLine(stack.text, o.address) : 1 },
          },
          logicalLocations: [
            { name: o.address, fullyQualifiedName: `${o.stack}/${o.address}`, kind: "resource" },
          ],
        },
      ],
      partialFingerprints: {
        "resourceAddress/v1": createHash("sha256")
          .update([o.checkId, o.stack, o.address].join("\u0000"))
          .digest("hex")
          .slice(0, 32),
      },
      ...(o.status === "skipped" ? { suppressions: [{ kind: "inSource", justification: o.reason }] } : {}),
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Checkov",
            version: report.version,
            informationUri: "https://www.checkov.io",
            rules,
          },
        },
        automationDetails: { id: "checkov/" },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}
