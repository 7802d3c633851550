/**
 * SARIF 2.1.0 for GitHub code scanning: one run, the rule catalog in tool.driver.rules, a result per failed
 * or suppressed check (suppressed ones carry an in-source suppression with the reason) and per invalid
 * suppression. Results point at the stack's cdk.tf.json, at the line of the resource, with the Terraform
 * address as logical location.
 */
import { createHash } from "crypto";
import { isInvalidSuppression, type CheckReport } from "./engine";
import { resourceLine, type Model } from "./model";
import type { Rule } from "./rule";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export const TOOL_NAME = "myblog-checks";
export const TOOL_VERSION = "1.0.0";

/** The rule every invalid suppression is reported under. */
export const INVALID_SUPPRESSION_RULE = {
  id: "BLOG_INVALID_SUPPRESSION",
  title: "Suppression is valid",
  description: "A suppression names an unknown rule id, or excuses a resource that does not fail the rule.",
  remediation: "Fix the rule id (see docs/security-rules.md) or remove the suppression.",
};

/** security-severity GitHub uses to rank alerts (error → high, warning → medium). */
const SECURITY_SEVERITY = { error: "7.5", warning: "5.0" } as const;

function driverRule(
  rule: Pick<Rule, "id" | "title" | "description" | "remediation" | "helpUri"> & {
    severity?: "error" | "warning";
  },
) {
  const severity = rule.severity ?? "error";
  return {
    id: rule.id,
    name: rule.id.replace(/[^A-Za-z0-9]+/g, "_"),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: `${rule.description}\n\nFix: ${rule.remediation}`,
      markdown: `${rule.description}\n\n**Fix:** ${rule.remediation}`,
    },
    ...(rule.helpUri ? { helpUri: rule.helpUri } : {}),
    defaultConfiguration: { level: severity },
    properties: {
      tags: ["security", "terraform", "cdktf"],
      precision: "high",
      "problem.severity": severity,
      "security-severity": SECURITY_SEVERITY[severity],
    },
  };
}

/**
 * @param outdirUri how the output directory appears in URIs, relative to the repository root (e.g. "cdktf.out")
 */
export function toSarif(report: CheckReport, model: Model, outdirUri: string): object {
  const rules = [...report.rules.map((r) => driverRule(r)), driverRule(INVALID_SUPPRESSION_RULE)];
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const location = (stackName: string, address: string) => {
    const stack = model.stack(stackName);
    return {
      physicalLocation: {
        artifactLocation: { uri: `${outdirUri}/${stack?.relativeFile ?? `stacks/${stackName}/cdk.tf.json`}` },
        region: { startLine: stack ? resourceLine(stack.text, address) : 1 },
      },
      logicalLocations: [{ name: address, fullyQualifiedName: `${stackName}/${address}`, kind: "resource" }],
    };
  };
  const fingerprint = (...parts: string[]) =>
    createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);

  const results = [
    ...report.outcomes
      .filter((o) => o.status !== "pass")
      .map((o) => ({
        ruleId: o.ruleId,
        ruleIndex: ruleIndex.get(o.ruleId),
        level: o.severity,
        message: { text: `${o.stack} ${o.address}: ${o.message}` },
        locations: [location(o.stack, o.address)],
        partialFingerprints: { "resourceAddress/v1": fingerprint(o.ruleId, o.stack, o.address) },
        ...(o.status === "suppressed"
          ? { suppressions: [{ kind: "inSource", justification: o.reason }] }
          : {}),
      })),
    ...report.suppressions.filter(isInvalidSuppression).map((s) => ({
      ruleId: INVALID_SUPPRESSION_RULE.id,
      ruleIndex: ruleIndex.get(INVALID_SUPPRESSION_RULE.id),
      level: "error",
      message: { text: `${s.stack} ${s.address}: ${s.message}` },
      locations: [location(s.stack, s.address)],
      partialFingerprints: {
        "resourceAddress/v1": fingerprint(INVALID_SUPPRESSION_RULE.id, s.stack, s.address, s.rule),
      },
    })),
  ];

  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, semanticVersion: TOOL_VERSION, rules } },
        automationDetails: { id: `${TOOL_NAME}/` },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}
