/**
 * npm run plan-summary -- <plan.json>... [--json] [--max-length 60000]
 * Renders the plan summary from `terraform show -json` documents (the stack is named after the file:
 * `<stack>.plan.json` or `<stack>.json`) and/or `plan-summary.json` files, which are merged (one per
 * environment in CI). Markdown on stdout, or the merged JSON with --json.
 */
import * as fs from "fs";
import * as path from "path";
import { parseCli, parseMaxLength, runCli } from "./cli";
import { PlanDocumentError, UsageError } from "./errors";
import { analyzePlan, assertPlanJson } from "./summary/analyze";
import { DEFAULT_MAX_LENGTH, renderMarkdown } from "./summary/markdown";
import { summarize, type PlanSummary, type StackSummary } from "./summary/model";

const USAGE = "npm run plan-summary -- <plan.json> [more.json] [--json] [--max-length <n>] [--title <text>]";

function stacksFromFile(file: string): StackSummary[] {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new PlanDocumentError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if ((doc as PlanSummary | null)?.kind === "cdktf-plan-summary") return [...(doc as PlanSummary).stacks];
  assertPlanJson(doc, file);
  const stack = path.basename(file).replace(/(\.plan)?\.json$/, "");
  return [analyzePlan(doc, { stack })];
}

runCli(async () => {
  const { values, positionals } = parseCli(
    {
      json: { type: "boolean", default: false },
      "max-length": { type: "string" },
      title: { type: "string" },
    },
    USAGE,
  );
  if (positionals.length === 0) throw new UsageError(`give at least one plan JSON file\nUsage: ${USAGE}`);
  const maxLength = parseMaxLength(values["max-length"], DEFAULT_MAX_LENGTH);
  const summary = summarize(positionals.flatMap(stacksFromFile));
  process.stdout.write(
    values.json
      ? `${JSON.stringify(summary, null, 2)}\n`
      : renderMarkdown(summary, { maxLength, title: values.title }),
  );
  return 0;
});
