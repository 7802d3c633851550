/**
 * Plan summary rendering (issue 5, budget: a 500-resource plan in ≤ 1 s). Builds `terraform show -json`
 * documents shaped like the app's plans (5 stacks; creates, updates with changed attributes, replacements,
 * destroys, IAM roles and policies, security-group rules, bucket policies and public access blocks, each
 * with realistic attribute maps), then times what `npm run plan` / `npm run plan-summary` do with them:
 * parse the JSON, analyze every change, render the markdown (truncated for GitHub) and the JSON summary.
 *
 * Run alone: `npx tsx bench/plan-summary.bench.ts` (BENCH_RUNS sets the warm runs, default 20).
 */
import { performance } from "perf_hooks";
import { change, policy } from "../__tests__/pipeline/plan-json";
import { analyzePlan, assertPlanJson } from "../pipeline/summary/analyze";
import { renderMarkdown } from "../pipeline/summary/markdown";
import { summarize } from "../pipeline/summary/model";
import { readWholeNumberVar } from "../shared/env-reader";

const RUNS = readWholeNumberVar("plan-summary benchmark", "BENCH_RUNS", 20, process.env);
const BUDGET_MS = 1000;
const STACKS = ["network", "data", "events", "api", "edge"].map((layer) => `myblog-prod-${layer}`);

/** Thirty attributes of realistic size, as AWS resources carry (tags, ARNs, nested blocks). */
function attributes(i: number, generation: number): Record<string, unknown> {
  const values: Record<string, unknown> = {
    arn: `arn:aws:service:eu-west-1:123456789012:resource/myblog-prod-${i}`,
    tags: {
      Application: "myblog",
      Environment: "prod",
      Layer: "data",
      ManagedBy: "cdktf",
      Generation: String(generation),
    },
    nested: [
      { enabled: true, rules: Array.from({ length: 5 }, (_, r) => ({ id: `rule-${r}`, days: 30 + r })) },
    ],
  };
  for (let a = 0; a < 27; a++) values[`attribute_${a}`] = a === 0 ? `value-${generation}` : `value-${i}-${a}`;
  return values;
}

function resourceChange(i: number) {
  const before = attributes(i, 1);
  const after = attributes(i, 2);
  switch (i % 10) {
    case 0:
      return change(
        `aws_iam_role.role_${i}`,
        ["update"],
        { ...before, assume_role_policy: "{}" },
        {
          ...after,
          assume_role_policy: policy({
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          }),
        },
      );
    case 1:
      return change(
        `aws_security_group.sg_${i}`,
        ["update"],
        { ...before, ingress: [] },
        {
          ...after,
          ingress: [{ from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }],
        },
      );
    case 2:
      return change(`aws_s3_bucket_policy.policy_${i}`, ["create"], null, {
        ...after,
        policy: policy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }),
      });
    case 3:
      return change(
        `aws_s3_bucket_public_access_block.pab_${i}`,
        ["update"],
        { ...before, block_public_policy: true },
        { ...after, block_public_policy: false },
      );
    case 4:
      return change(`aws_db_instance.db_${i}`, ["delete", "create"], before, after, {
        replacePaths: [["attribute_0"]],
      });
    case 5:
      return change(`aws_sns_topic.topic_${i}`, ["delete"], before, null);
    case 6:
    case 7:
      return change(`aws_lambda_function.fn_${i}`, ["update"], before, after, {
        afterUnknown: { source_code_hash: true },
      });
    default:
      return change(`aws_ssm_parameter.p_${i}`, ["create"], null, after);
  }
}

/** One `terraform show -json` text per stack, 100 resource changes each. */
function planDocuments(resources: number): { stack: string; text: string }[] {
  const perStack = Math.ceil(resources / STACKS.length);
  return STACKS.map((stack, s) => ({
    stack,
    text: JSON.stringify({
      format_version: "1.2",
      terraform_version: "1.11.4",
      resource_changes: Array.from({ length: perStack }, (_, i) => resourceChange(s * perStack + i)),
      output_changes: { vpc_id: { actions: ["update"] } },
    }),
  }));
}

function renderOnce(documents: { stack: string; text: string }[]) {
  const t0 = performance.now();
  const stacks = documents.map(({ stack, text }) => {
    const doc: unknown = JSON.parse(text);
    assertPlanJson(doc, stack);
    return analyzePlan(doc, { stack });
  });
  const t1 = performance.now();
  const summary = summarize(stacks);
  const markdown = renderMarkdown(summary);
  const json = JSON.stringify(summary, null, 2);
  const t2 = performance.now();
  return { analyze: t1 - t0, render: t2 - t1, total: t2 - t0, markdown, json };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => ms.toFixed(1).padStart(7);

let failed = false;
for (const resources of [500, 5000]) {
  const documents = planDocuments(resources);
  const megabytes = documents.reduce((n, d) => n + d.text.length, 0) / 1e6;
  const cold = renderOnce(documents);
  const warm = Array.from({ length: RUNS }, () => renderOnce(documents));
  console.log(
    `\n${resources} resources in ${STACKS.length} stacks (${megabytes.toFixed(1)} MB of plan JSON):`,
  );
  console.log(
    `  markdown ${cold.markdown.length} characters${cold.markdown.includes("✂️ Truncated") ? " (truncated)" : ""}, JSON ${cold.json.length} characters`,
  );
  console.log("  step      cold ms  warm median ms  warm max ms");
  for (const step of ["analyze", "render", "total"] as const) {
    const samples = warm.map((w) => w[step]);
    console.log(
      `  ${step.padEnd(8)} ${fmt(cold[step])} ${fmt(median(samples))}        ${fmt(Math.max(...samples))}`,
    );
  }
  if (resources === 500 && cold.total > BUDGET_MS) {
    console.error(
      `  over budget: the 500-resource summary took ${cold.total.toFixed(0)} ms cold (budget ${BUDGET_MS} ms)`,
    );
    failed = true;
  }
}
if (failed) process.exit(1);
