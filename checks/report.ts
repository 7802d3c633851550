/** The human table and the JSON report (`security-report.json`). Both are deterministic: no timestamps. */
import { isInvalidSuppression, type CheckReport, type Outcome } from "./engine";

interface Counts {
  pass: number;
  suppressed: number;
  fail: number;
}

function countsBy(report: CheckReport): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  for (const o of report.outcomes) {
    const key = `${o.ruleId}\u0000${o.stack}`;
    const c = counts.get(key) ?? { pass: 0, suppressed: 0, fail: 0 };
    c[o.status]++;
    counts.set(key, c);
  }
  return counts;
}

/** Longest common `<app>-` prefix of the stack names, dropped from column headers to keep them narrow. */
function commonPrefix(names: readonly string[]): string {
  if (names.length < 2) return "";
  const first = names[0].split("-");
  let n = 0;
  while (n < first.length - 1 && names.every((s) => s.split("-")[n] === first[n])) n++;
  return n ? `${first.slice(0, n).join("-")}-` : "";
}

/** rule × stack table: each cell is pass/suppressed/fail counts, "·" where the rule found nothing to check. */
export function formatTable(report: CheckReport): string {
  const counts = countsBy(report);
  const prefix = commonPrefix(report.stacks.map((s) => s.name));
  const headers = ["rule", ...report.stacks.map((s) => s.name.slice(prefix.length)), "total"];
  const rows = report.rules.map((rule) => {
    const total: Counts = { pass: 0, suppressed: 0, fail: 0 };
    const cells = report.stacks.map((s) => {
      const c = counts.get(`${rule.id}\u0000${s.name}`);
      if (!c) return "·";
      total.pass += c.pass;
      total.suppressed += c.suppressed;
      total.fail += c.fail;
      return cell(c);
    });
    const any = total.pass + total.suppressed + total.fail > 0;
    return [rule.id, ...cells, any ? cell(total) : "·"];
  });
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols: string[]) =>
    cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [
    `cells: pass/suppressed/fail${prefix ? `; stacks without the "${prefix}" prefix` : ""}`,
    line(headers),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ];
  return out.join("\n");
}

function cell(c: Counts): string {
  const text = `${c.pass}/${c.suppressed}/${c.fail}`;
  return c.fail > 0 ? `${text}!` : text;
}

const describe = (o: Outcome) => `${o.stack}  ${o.address}`;

/** Failures, invalid suppressions and the accepted exceptions, each with what to do. */
export function formatDetails(report: CheckReport): string {
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  const out: string[] = [];
  const failures = report.outcomes.filter((o) => o.status === "fail");
  if (failures.length) {
    out.push(`\nFAILURES (${failures.length})`);
    for (const f of failures) {
      const rule = rules.get(f.ruleId);
      out.push(
        `  ✗ ${f.ruleId}  ${describe(f)}`,
        `      ${f.message}`,
        `      fix: ${rule?.remediation ?? ""}`,
      );
    }
  }
  const invalid = report.suppressions.filter(isInvalidSuppression);
  if (invalid.length) {
    out.push(`\nINVALID SUPPRESSIONS (${invalid.length})`);
    for (const s of invalid)
      out.push(`  ✗ ${s.rule}  ${s.stack}  ${s.address}`, `      ${s.message} (reason given: ${s.reason})`);
  }
  const applied = report.suppressions.filter((s) => s.status === "applied");
  if (applied.length) {
    out.push(`\nSUPPRESSED (${applied.length})`);
    for (const s of applied)
      out.push(
        `  ~ ${s.ruleId ?? s.rule}  ${s.stack}  ${s.address}${s.usedBy === "checkov" ? "  (Checkov)" : ""}`,
        `      reason: ${s.reason}`,
      );
  }
  const unverified = report.suppressions.filter((s) => s.status === "unverified");
  if (unverified.length) {
    out.push(`\nUNVERIFIED SUPPRESSIONS (${unverified.length}, Checkov did not run)`);
    for (const s of unverified)
      out.push(`  ? ${s.rule}  ${s.stack}  ${s.address}`, `      reason: ${s.reason}`);
  }
  if (report.publicRoutes.length) {
    out.push(`\nPUBLIC ROUTES (${report.publicRoutes.length})`);
    for (const r of report.publicRoutes) out.push(`  ○ ${r.stack}  ${r.address}: ${r.reason}`);
  }
  const { pass, suppressed, fail, invalidSuppressions } = report.summary;
  out.push(
    `\n${report.ok ? "PASSED" : "FAILED"}: ${report.rules.length} rules on ${report.stacks.length} stacks, ` +
      `${pass} passed, ${suppressed} suppressed, ${fail} failed, ${invalidSuppressions} invalid suppressions`,
  );
  return out.join("\n");
}

/** `security-report.json`: summary, per-rule counts per stack, findings, suppressions, public routes. */
export function toJsonReport(report: CheckReport): object {
  const counts = countsBy(report);
  return {
    version: 1,
    ok: report.ok,
    summary: report.summary,
    stacks: report.stacks,
    rules: report.rules.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      description: r.description,
      remediation: r.remediation,
      helpUri: r.helpUri,
      stacks: Object.fromEntries(
        report.stacks.flatMap((s) => {
          const c = counts.get(`${r.id}\u0000${s.name}`);
          return c ? [[s.name, c]] : [];
        }),
      ),
    })),
    findings: report.outcomes
      .filter((o) => o.status === "fail")
      .map((o) => ({ ...o, remediation: report.rules.find((r) => r.id === o.ruleId)?.remediation })),
    suppressions: report.suppressions,
    publicRoutes: report.publicRoutes,
  };
}
