/**
 * Rewrites three sections of docs/security-rules.md: "## Rules" (one table per service) and "## Where the pack
 * goes beyond Checkov" from the rule catalog, and "## Checkov on our stacks" from a Checkov run over the synth
 * output. Run after changing a rule or a suppression: `npx cdktf synth && npx tsx checks/generate-docs.ts`
 * (tests fail while the page is stale).
 */
import * as fs from "fs";
import * as path from "path";
import type { CheckovReport } from "./checkov/judge";
import { scanWithCheckov } from "./checkov/scan";
import { loadOutdir } from "./model";
import { ALL_RULES, RULE_SECTIONS } from "./rules";

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function rulesSection(): string {
  return RULE_SECTIONS.map(([title, rules]) =>
    [
      `### ${title}`,
      "",
      "| id | rule | what is wrong | how to fix |",
      "| --- | --- | --- | --- |",
      ...rules.map(
        (r) => `| \`${r.id}\` | ${cell(r.title)} | ${cell(r.description)} | ${cell(r.remediation)} |`,
      ),
    ].join("\n"),
  ).join("\n\n");
}

/** Each rule that checks more than a Checkov check of the same subject, with why that check is not enough. */
export function beyondCheckovSection(): string {
  return [
    "Checkov runs and decides every `CKV_*` check. These rules stay in the pack because, on the same subject,",
    "Checkov's check judges none of our resources, passes what the rule fails, or fails by design and is",
    "skipped on every resource, so that nothing would check what its skip claims. A test runs Checkov on a",
    "resource of each kind and fails once Checkov's verdict matches the rule's: then the rule can go.",
    "",
    ...ALL_RULES.flatMap((r) =>
      r.beyondCheckov
        ? [`- **\`${r.id}\`** (Checkov: \`${r.beyondCheckov.check}\`): ${r.beyondCheckov.why}`]
        : [],
    ),
  ].join("\n");
}

/** Checkov's checks that fail on our stacks: each failure is skipped in code, next to the resource. */
export function checkovSection(checkov: CheckovReport): string {
  const failing = [...checkov.byCheck]
    .filter(([, c]) => c.failed + c.skipped > 0)
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  const title = (id: string) => checkov.outcomes.find((o) => o.checkId === id)?.checkName ?? id;
  return [
    `Checkov ${checkov.version} (\`--framework terraform_json\`) on the synthesized stacks of every environment: the`,
    "checks that fail somewhere, and on how many resources. Every such failure is skipped by a suppression in",
    "code next to the resource, with its reason (`npm run check` lists each one); an unskipped one fails the check.",
    "",
    "| id | Checkov's check | failed / skipped |",
    "| --- | --- | --- |",
    ...failing.map(([id, c]) => `| \`${id}\` | ${cell(title(id))} | ${c.failed} / ${c.skipped} |`),
  ].join("\n");
}

/** Replaces the body of `## <heading>` (up to the next `## `) in the page. */
export function replaceSection(text: string, heading: string, body: string): string {
  const start = text.indexOf(`## ${heading}\n`);
  const end = text.indexOf("\n## ", start + 1);
  if (start === -1 || end === -1) throw new Error(`no "## ${heading}" section followed by another section`);
  return `${text.slice(0, start)}## ${heading}\n\n${body}\n${text.slice(end)}`;
}

/** The sections that come from the catalog alone (no synth output, no Checkov). */
export function withCatalogSections(text: string): string {
  return replaceSection(
    replaceSection(text, "Rules", rulesSection()),
    "Where the pack goes beyond Checkov",
    beyondCheckovSection(),
  );
}

export const DOCS_FILE = path.join(__dirname, "..", "docs", "security-rules.md");

if (require.main === module) {
  const root = path.join(__dirname, "..");
  const outdir = path.join(root, "cdktf.out");
  const checkov = scanWithCheckov(loadOutdir(outdir), outdir, root);
  const text = fs.readFileSync(DOCS_FILE, "utf8");
  fs.writeFileSync(
    DOCS_FILE,
    replaceSection(withCatalogSections(text), "Checkov on our stacks", checkovSection(checkov)),
  );
  console.log(`rewrote the rules and Checkov sections of ${path.relative(process.cwd(), DOCS_FILE)}`);
}
