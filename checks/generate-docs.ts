/**
 * Rewrites the "## Rules" section of docs/security-rules.md from the rule catalog, one table per service.
 * Run after adding or changing a rule: `npx tsx checks/generate-docs.ts` (a test fails while the page is stale).
 */
import * as fs from "fs";
import * as path from "path";
import type { Rule } from "./rule";
import { apiGatewayRules } from "./rules/apigateway";
import { cloudfrontRules } from "./rules/cloudfront";
import { dataRules } from "./rules/data";
import { hygieneRules } from "./rules/hygiene";
import { iamRules } from "./rules/iam";
import { lambdaRules } from "./rules/lambda";
import { messagingRules } from "./rules/messaging";
import { networkRules } from "./rules/network";
import { s3Rules } from "./rules/s3";

const SECTIONS: [string, readonly Rule[]][] = [
  ["S3", s3Rules],
  ["CloudFront", cloudfrontRules],
  ["API Gateway", apiGatewayRules],
  ["Lambda and event source mappings", lambdaRules],
  ["RDS, ElastiCache, DynamoDB", dataRules],
  ["SNS, SQS, SES", messagingRules],
  ["VPC", networkRules],
  ["IAM and KMS", iamRules],
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

if (require.main === module) {
  const file = path.join(__dirname, "..", "docs", "security-rules.md");
  const text = fs.readFileSync(file, "utf8");
  const start = text.indexOf("## Rules\n");
  const end = text.indexOf("\n## ", start + 1);
  if (start === -1 || end === -1)
    throw new Error(`${file}: no "## Rules" section followed by another section`);
  fs.writeFileSync(file, `${text.slice(0, start)}## Rules\n\n${rulesSection()}\n${text.slice(end)}`);
  console.log(`rewrote the rules section of ${path.relative(process.cwd(), file)}`);
}
