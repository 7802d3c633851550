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
import { summarize, type PlanSummary, type ScopeSummary, type StackSummary } from "./summary/model";

const USAGE = "npm run plan-summary -- <plan.json> [more.json] [--json] [--max-length <n>] [--title <text>]";

/** The change scope of the summaries merged: one base; every stack planned if any was planned whole, and why. */
function mergedScope(files: readonly PlanSummary[]): ScopeSummary | undefined {
  const scopes = files.map((f) => f.scope).filter((s): s is ScopeSummary => s !== undefined);
  if (scopes.length === 0) return undefined;
  const full = [...new Set(scopes.map((s) => s.full).filter(Boolean))].join("; ");
  return { base: [...new Set(scopes.map((s) => s.base))].join(", "), ...(full ? { full } : {}) };
}

function readFile(file: string): PlanSummary | StackSummary[] {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new PlanDocumentError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if ((doc as PlanSummary | null)?.kind === "cdktf-plan-summary") return doc as PlanSummary;
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
  const read = positionals.map(readFile);
  const summaries = read.filter((r): r is PlanSummary => !Array.isArray(r));
  const stacks = read.flatMap((r) => (Array.isArray(r) ? r : [...r.stacks]));
  // Destroy summaries merge into a destroy summary (one per environment in CI).
  const destroy = summaries.some((s) => s.destroy);
  const summary = summarize(stacks, mergedScope(summaries), { destroy });
  process.stdout.write(
    values.json
      ? `${JSON.stringify(summary, null, 2)}\n`
      : renderMarkdown(summary, { maxLength, title: values.title }),
  );
  return 0;
});
