/**
 * The emulated deploy's teardown: the environment is used first — photos uploaded and overwritten (so each has an
 * older version), thumbnails written twice, DynamoDB items in every table — and then torn down only through the
 * reviewed destroy: `plan -destroy` of every stack with its summary, the apply of exactly those saved plans downstream
 * first (pipeline/plan-runner.ts, apply-runner.ts). Afterwards the buckets and tables must be gone from the emulator.
 */
import * as fs from "fs";
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { applyPlans } from "./apply-runner";
import { emulatorClientConfig, withoutBucketPolicies } from "./emulator-api";
import type { StackInfo } from "./manifest";
import { planStacks } from "./plan-runner";
import { runTerraform, type TerraformOptions } from "./terraform";

/** What the teardown found in the data stack and wrote there before its destroy. */
export interface UsedData {
  readonly region: string;
  readonly buckets: readonly string[];
  readonly tables: readonly string[];
  /** Object versions in the buckets (more than the objects: each was overwritten). */
  readonly objectVersions: number;
  readonly objects: number;
  readonly items: number;
  readonly seconds: number;
}

export interface TeardownReport {
  readonly data?: UsedData;
  /** `plan -destroy` of every stack and its summary. */
  readonly planSeconds: number;
  /** What the summary says the destroy deletes, one line per store (summary/teardown.ts). */
  readonly summaryDeletes: readonly string[];
  /** Seconds per stack of the apply of its destroy plan, in the order applied. */
  readonly applied: readonly { readonly stack: string; readonly status: string; readonly seconds: number }[];
  readonly applySeconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

const seconds = (since: number) => (Date.now() - since) / 1000;

async function outputsOf(stack: StackInfo, terraform: TerraformOptions): Promise<Record<string, string>> {
  const shown = await runTerraform(["output", "-json"], stack.workingDirectory, terraform);
  if (shown.exitCode !== 0) throw new Error(`terraform output failed: ${shown.stderr.trim()}`);
  const outputs = JSON.parse(shown.stdout) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, String(o.value)]));
}

/** A tiny JPEG-looking body: the emulator stores bytes, it does not decode them. */
const photo = (n: number) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`photo ${n}`)]);

/**
 * Uses the environment as readers and authors would: two photos, each uploaded twice (a second version), their
 * thumbnails twice too, and an item in every table of the data stack.
 */
export async function writeUsedData(
  data: StackInfo,
  terraform: TerraformOptions,
  endpoint: string,
): Promise<UsedData> {
  const started = Date.now();
  const outputs = await outputsOf(data, terraform);
  const pick = (pattern: RegExp) =>
    Object.entries(outputs)
      .filter(([k]) => pattern.test(k))
      .map(([, v]) => v)
      .sort();
  const uploads = outputs.uploads_bucket;
  const media = outputs.media_bucket;
  const tables = [...new Set(pick(/^cross-stack-output-aws_dynamodb_table.*name$/))];
  const tableArn = pick(/^cross-stack-output-aws_dynamodb_table.*arn$/)[0] ?? "";
  const region = tableArn.split(":")[3];
  if (!uploads || !media || tables.length === 0 || !region)
    throw new Error(
      `the data stack's outputs lack the buckets or tables (${Object.keys(outputs).join(", ")})`,
    );

  const s3 = new S3Client(emulatorClientConfig(endpoint, region));
  const dynamodb = new DynamoDBClient(emulatorClientConfig(endpoint, region));
  // The TLS-only Deny is lifted for the writes (an emulator gap, see withoutBucketPolicies).
  let objects = 0;
  await withoutBucketPolicies(s3, [uploads, media], async () => {
    for (const n of [1, 2]) {
      for (const version of [1, 2]) {
        const body = photo(n * 10 + version);
        for (const [bucket, key] of [
          [uploads, `uploads/author-1/photo-${n}.jpg`],
          [media, `media/author-1/photo-${n}.jpg`],
        ])
          await s3
            .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
            .catch((error: Error) => {
              throw new Error(`PutObject ${bucket}/${key}: ${error.name} ${error.message}`);
            });
      }
      objects += 2;
    }
  });
  let objectVersions = 0;
  for (const bucket of [uploads, media]) {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    objectVersions += listed.Versions?.length ?? 0;
  }
  if (objectVersions < objects * 2)
    throw new Error(`expected two versions of each of ${objects} objects, found ${objectVersions} versions`);
  for (const table of tables) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    const item: Record<string, { S: string }> = {};
    for (const key of Table?.KeySchema ?? []) item[key.AttributeName!] = { S: `teardown-${key.KeyType}` };
    await dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { ...item, note: { S: "written before the destroy" } } }),
    );
  }
  s3.destroy();
  dynamodb.destroy();
  return {
    region,
    buckets: [uploads, media],
    tables,
    objectVersions,
    objects,
    items: tables.length,
    seconds: seconds(started),
  };
}

/** Whether the emulator still has any of the buckets or tables. */
async function leftovers(data: UsedData, endpoint: string): Promise<string[]> {
  const s3 = new S3Client(emulatorClientConfig(endpoint, data.region));
  const dynamodb = new DynamoDBClient(emulatorClientConfig(endpoint, data.region));
  const left: string[] = [];
  for (const bucket of data.buckets)
    if (
      await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
        () => true,
        () => false,
      )
    )
      left.push(`bucket ${bucket}`);
  for (const table of data.tables)
    if (
      await dynamodb.send(new DescribeTableCommand({ TableName: table })).then(
        () => true,
        () => false,
      )
    )
      left.push(`table ${table}`);
  s3.destroy();
  dynamodb.destroy();
  return left;
}

/**
 * The reviewed destroy of the environment: plan with `-destroy` (the summary must call it a DESTROY and name the data),
 * then `npm run apply`'s code on exactly those plans, downstream first.
 */
export async function reviewedDestroy(options: {
  readonly outdir: string;
  readonly stacks: readonly StackInfo[];
  readonly terraform: TerraformOptions;
  readonly endpoint: string;
  readonly data?: UsedData;
  readonly log: (line: string) => void;
}): Promise<TeardownReport> {
  const pipeline = { outdir: options.outdir, terraform: options.terraform };
  const globs = options.stacks.map((s) => s.name);
  let started = Date.now();
  const planned = await planStacks({ ...pipeline, globs, destroy: true });
  const planSeconds = seconds(started);
  const summaryDeletes = planned.summary.stacks.flatMap((s) => s.destroy?.deletes ?? []);
  const base = { data: options.data, planSeconds, summaryDeletes, applied: [], applySeconds: 0 };
  const failed = planned.summary.stacks.filter((s) => s.status === "error" || s.status === "waiting");
  if (failed.length > 0)
    return {
      ...base,
      ok: false,
      error: `destroy plan: ${failed.map((s) => `${s.name}: ${s.error ?? s.status}`).join("\n")}`,
    };
  const markdown = fs.readFileSync(planned.markdownPath, "utf8");
  const unsaid = [
    "**DESTROY.**",
    ...(options.data?.buckets.map((b) => `${b}\`: every object and every version`) ?? []),
    ...(options.data?.tables.map((t) => `${t}\`: every item`) ?? []),
  ].filter((s) => !markdown.includes(s));
  if (unsaid.length > 0)
    return { ...base, ok: false, error: `the destroy summary does not say: ${unsaid.join("; ")}` };
  options.log(
    `  destroy planned in ${planSeconds.toFixed(0)} s: ${planned.summary.totals.delete} resources; ` +
      `the summary names ${summaryDeletes.length} stores whose data goes`,
  );

  // Per stack: the time from its "destroying" line to its result line.
  const applied: { stack: string; status: string; seconds: number }[] = [];
  let stackStarted = Date.now();
  started = Date.now();
  const result = await applyPlans({
    ...pipeline,
    globs,
    log: (line) => {
      if (line.startsWith("destroying ")) stackStarted = Date.now();
      const done = /^ {2}(\S+): ([a-z-]+):/.exec(line);
      if (done) {
        applied.push({ stack: done[1], status: done[2], seconds: seconds(stackStarted) });
        options.log(`  ${done[1]}: ${done[2]} in ${seconds(stackStarted).toFixed(0)} s`);
      } else options.log(`  ${line.split("\n")[0]}`);
    },
  });
  const applySeconds = seconds(started);
  const notApplied = result.results.filter((r) => r.status !== "applied" && r.status !== "no-changes");
  if (notApplied.length > 0)
    return {
      ...base,
      applied,
      applySeconds,
      ok: false,
      error: notApplied.map((r) => `${r.stack}: ${r.status}: ${r.message}`).join("\n"),
    };
  const left = options.data ? await leftovers(options.data, options.endpoint) : [];
  return {
    ...base,
    applied,
    applySeconds,
    ok: left.length === 0,
    ...(left.length > 0 ? { error: `still in the emulator after the destroy: ${left.join(", ")}` } : {}),
  };
}
