/**
 * Rewrites two sections of docs/security-rules.md: "## Rules" from the rule catalog, one table per service,
 * and "## Checkov on our stacks" from a run of the pack and Checkov over the synth output. Run after changing
 * a rule or a stack: `npx cdktf synth && npx tsx checks/generate-docs.ts` (tests fail while the page is stale).
 */
import * as fs from "fs";
import * as path from "path";
import { loadCatalog, type CheckovCatalog } from "./checkov/catalog";
import { checkovOnlyFailures, compareWithCheckov, type IdComparison } from "./checkov/compare";
import { DISAGREEMENTS } from "./checkov/disagreements";
import { checkovScanner, type CheckovCounts, type CheckovReport } from "./checkov/judge";
import { locateCheckov } from "./checkov/locate";
import { scanWithCheckov } from "./checkov/scan";
import { runChecks, type CheckReport } from "./engine";
import { loadOutdir } from "./model";
import type { Rule } from "./rule";
import { apiGatewayRules } from "./rules/apigateway";
import { cloudfrontRules } from "./rules/cloudfront";
import { dataRules } from "./rules/data";
import { hygieneRules } from "./rules/hygiene";
import { iamRules } from "./rules/iam";
import { iamReferenceChecks } from "./rules/iam-reference";
import { lambdaRules } from "./rules/lambda";
import { messagingRules } from "./rules/messaging";
import { networkRules } from "./rules/network";
import { originVerificationRules } from "./rules/origin-verification";
import { publicRules } from "./rules/public";
import { s3Rules } from "./rules/s3";

const SECTIONS: [string, readonly Rule[]][] = [
  ["S3", s3Rules],
  ["CloudFront", cloudfrontRules],
  ["API Gateway", apiGatewayRules],
  ["Lambda and event source mappings", lambdaRules],
  ["API origin verification", originVerificationRules],
  ["RDS, ElastiCache, DynamoDB", dataRules],
  ["SNS, SQS, SES", messagingRules],
  ["VPC", networkRules],
  ["Public policies and open ingress", publicRules],
  ["IAM and KMS", iamRules],
  ["IAM against the Service Authorization Reference", iamReferenceChecks],
  ["Hygiene", hygieneRules],
];

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function rulesSection(): string {
  return SECTIONS.map(([title, rules]) =>
    [
      `### ${title}`,
      "",
      "| id | also covers | rule | what is wrong | how to fix |",
      "| --- | --- | --- | --- | --- |",
      ...rules.map(
        (r) =>
          `| \`${r.id}\` | ${r.aliases.map((a) => `\`${a}\``).join(", ")} | ${cell(r.title)} | ${cell(r.description)} | ${cell(r.remediation)} |`,
      ),
    ].join("\n"),
  ).join("\n\n");
}

const counts = (c: CheckovCounts) => `${c.passed} / ${c.failed} / ${c.skipped}`;

function checkovCell(c: IdComparison): string {
  if (c.checkov.kind === "not-checkov") return "not a Checkov id";
  if (c.checkov.kind === "unknown") return "Checkov has no such check for terraform_json";
  return c.checkov.counts ? counts(c.checkov.counts) : "no result (our stacks have no resource it checks)";
}

function disagreementCell(c: IdComparison): string {
  const d = c.disagreement;
  if (!d) return c.checkov.kind === "known" && c.checkov.counts ? "agree" : "";
  const parts = [
    d.packPassesCheckovFails ? `pack passes, Checkov fails: ${d.packPassesCheckovFails}` : "",
    d.packFailsCheckovPasses ? `pack fails, Checkov passes: ${d.packFailsCheckovPasses}` : "",
    d.onlyCheckovFails ? `Checkov fails where the pack does not judge: ${d.onlyCheckovFails}` : "",
  ].filter(Boolean);
  return `**differ** (${parts.join("; ")})`;
}

/**
 * @throws Error when an id disagrees without an explanation in checks/checkov/disagreements.ts, or an
 *   explanation is left for an id that agrees now
 */
export function checkovSection(
  pack: CheckReport,
  checkov: CheckovReport,
  catalog: CheckovCatalog,
  explanations: Readonly<Record<string, string>> = DISAGREEMENTS,
): string {
  const rows = compareWithCheckov(pack, checkov, catalog);
  const differing = rows.filter((r) => r.disagreement).map((r) => r.id);
  const unexplained = differing.filter((id) => !explanations[id]);
  const stale = Object.keys(explanations).filter((id) => !differing.includes(id));
  if (unexplained.length || stale.length) {
    throw new Error(
      `checks/checkov/disagreements.ts: ${unexplained.length ? `explain ${unexplained.join(", ")}` : ""}${unexplained.length && stale.length ? "; " : ""}${stale.length ? `remove ${stale.join(", ")} (pack and Checkov agree now)` : ""}`,
    );
  }
  const others = checkovOnlyFailures(pack, checkov, catalog);
  return [
    `Checkov ${checkov.version} (\`--framework terraform_json\`) on the synthesized stacks of every environment, for`,
    "every id a pack rule claims (its own id, then the ids it also covers). Counts are Checkov's results on",
    "all stacks: passed / failed / skipped, where skipped means Checkov failed the resource and a suppression",
    'in code excuses it. "differ" counts resources that the pack and Checkov judge differently.',
    "",
    "| id | pack rule | Checkov's check | Checkov: passed / failed / skipped | pack vs Checkov |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| \`${r.id}\` | ${r.id === r.ruleId ? "" : `covered by \`${r.ruleId}\``} | ${r.checkov.kind === "known" ? cell(r.checkov.title) : ""} | ${checkovCell(r)} | ${disagreementCell(r)} |`,
    ),
    "",
    "### Where the pack and Checkov disagree",
    "",
    ...differing.map((id) => `- **\`${id}\`**: ${explanations[id]}`),
    "",
    "### Checkov checks without a pack rule that fail on our stacks",
    "",
    "Every one of them is skipped in code next to the resource, with its reason (`npm run check` lists them).",
    "",
    "| id | Checkov's check | passed / failed / skipped |",
    "| --- | --- | --- |",
    ...others.map((o) => `| \`${o.id}\` | ${cell(o.title)} | ${counts(o.counts)} |`),
  ].join("\n");
}

/** Replaces the body of `## <heading>` (up to the next `## `) in the page. */
export function replaceSection(text: string, heading: string, body: string): string {
  const start = text.indexOf(`## ${heading}\n`);
  const end = text.indexOf("\n## ", start + 1);
  if (start === -1 || end === -1) throw new Error(`no "## ${heading}" section followed by another section`);
  return `${text.slice(0, start)}## ${heading}\n\n${body}\n${text.slice(end)}`;
}

export const DOCS_FILE = path.join(__dirname, "..", "docs", "security-rules.md");

if (require.main === module) {
  const root = path.join(__dirname, "..");
  const outdir = path.join(root, "cdktf.out");
  const model = loadOutdir(outdir);
  const checkov = scanWithCheckov(model, outdir, root);
  const pack = runChecks(model, undefined, checkovScanner(checkov));
  const catalog = loadCatalog(locateCheckov(root));
  let text = fs.readFileSync(DOCS_FILE, "utf8");
  text = replaceSection(text, "Rules", rulesSection());
  text = replaceSection(text, "Checkov on our stacks", checkovSection(pack, checkov, catalog));
  fs.writeFileSync(DOCS_FILE, text);
  console.log(`rewrote the rules and Checkov sections of ${path.relative(process.cwd(), DOCS_FILE)}`);
}
