/**
 * What a reviewer reads of a provisional plan: every policy document created or changed, a document known only
 * after apply read from the synthesized source with its references named (cross-stack reads by the upstream's
 * resource), stand-in values marked, and stand-ins of the shape each attribute has.
 */
import { analyzePlan } from "../../pipeline/summary/analyze";
import type { StackSource } from "../../pipeline/summary/documents";
import { renderMarkdown } from "../../pipeline/summary/markdown";
import { summarize, type StandInSummary } from "../../pipeline/summary/model";
import { holdsStandIn, parseReference, standIn } from "../../pipeline/stand-ins";
import { create, planJson, policy, update } from "./plan-json";

const UPLOADS_ARN =
  "${data.terraform_remote_state.cross-stack-reference-input-blog-dev-data.outputs.cross-stack-output-aws_s3_bucketuploadsarn}";
const source: StackSource = {
  resources: {
    aws_iam_role_policy: {
      thumbnail_policy: {
        policy: policy({
          Sid: "ReadUploads",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: `${UPLOADS_ARN}/*`,
        }).replace(
          "]}",
          `,{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"\${aws_cloudwatch_log_group.logs.arn}:*"}]}`,
        ),
      },
    },
  },
  upstreamOutputs: new Map([
    ["blog-dev-data", { "cross-stack-output-aws_s3_bucketuploadsarn": "${aws_s3_bucket.uploads.arn}" }],
  ]),
};
const standIns: StandInSummary[] = [
  {
    upstream: "blog-dev-data",
    output: "cross-stack-output-aws_s3_bucketuploadsarn",
    reference: "aws_s3_bucket.uploads.arn",
    value: "arn:aws:s3:::provisional-uploads-1a2b3c",
  },
];

test("a policy known only after apply is read from the synthesized source, its references named", () => {
  const summary = analyzePlan(
    planJson([
      create(
        "aws_iam_role_policy.thumbnail_policy",
        { name: "thumbnail" },
        { afterUnknown: { policy: true } },
      ),
    ]),
    { stack: "blog-dev-events", source },
  );
  expect(summary.documents).toEqual([
    {
      address: "aws_iam_role_policy.thumbnail_policy",
      attribute: "policy",
      from: "source",
      standIns: false,
      lines: [
        "- **Allow** `s3:GetObject` on `${blog-dev-data: aws_s3_bucket.uploads.arn}/*` (ReadUploads)",
        "- **Allow** `logs:PutLogEvents` on `${aws_cloudwatch_log_group.logs.arn}:*`",
      ],
    },
  ]);
  expect(summary.callouts[0].message).toContain("read from the synthesized source under Policies");
  const md = renderMarkdown(summarize([summary]));
  expect(md).toContain("#### 📜 Policies");
  expect(md).toContain(
    "`aws_iam_role_policy.thumbnail_policy` `policy` (known after apply: from the synthesized source)\n" +
      "- **Allow** `s3:GetObject` on `${blog-dev-data: aws_s3_bucket.uploads.arn}/*` (ReadUploads)",
  );
});

test("a planned policy that holds a stand-in marks it; principals and conditions are shown", () => {
  const document = policy({
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "sns:Publish",
    Resource: "arn:aws:sns:eu-west-1:000000000000:uploads",
    Condition: { ArnLike: { "aws:SourceArn": standIns[0].value } },
  });
  const summary = analyzePlan(
    planJson([create("aws_sns_topic_policy.uploads", { policy: document, arn: "x" })]),
    {
      stack: "blog-dev-events",
      source,
      provisional: { upstreams: ["blog-dev-data"], fromPlans: 3, standIns },
    },
  );
  expect(summary.documents?.[0]).toMatchObject({ from: "plan", standIns: true });
  expect(summary.documents?.[0].lines).toEqual([
    "- **Allow** `sns:Publish` on `arn:aws:sns:eu-west-1:000000000000:uploads` to `Service: s3.amazonaws.com` " +
      "when `ArnLike aws:SourceArn = ⟨stand-in: blog-dev-data: aws_s3_bucket.uploads.arn⟩`",
  ]);
  expect(summary.changes[0].standIns).toEqual(["policy"]);
  const md = renderMarkdown(summarize([summary]));
  expect(md).toContain("🧪 provisional (`blog-dev-data` not applied)");
  expect(md).toContain("| ➕ create | `aws_sns_topic_policy.uploads` | ⟨stand-in⟩ in `policy` |");
  expect(md).toContain(
    "| `aws_s3_bucket.uploads.arn` | `blog-dev-data` | `arn:aws:s3:::provisional-uploads-1a2b3c` |",
  );
});

test("an update shows a document only when it changes", () => {
  const before = { policy: policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }), tags: {} };
  const unchanged = analyzePlan(
    planJson([update("aws_iam_policy.p", before, { ...before, tags: { a: "b" } })]),
    {
      stack: "s",
    },
  );
  expect(unchanged.documents).toBeUndefined();
  const changed = analyzePlan(
    planJson([
      update("aws_iam_policy.p", before, {
        ...before,
        policy: policy({ Effect: "Deny", NotAction: "iam:*", Resource: "*" }),
      }),
    ]),
    { stack: "s" },
  );
  expect(changed.documents?.[0].lines).toEqual(["- **Deny** all but `iam:*` on `*`"]);
});

test("stand-ins have the shape of the attribute they stand for, and each is unique", () => {
  const ctx = (seed: string) => ({ region: "eu-west-1", seed });
  const at = (expression: string, known = {}, seed = "up/out") =>
    standIn(parseReference(expression)!, known, ctx(seed));
  expect(at("${aws_security_group.api-fn.id}")).toMatch(/^sg-0[0-9a-f]{16}$/);
  expect(at("${aws_subnet.private-0.id}")).toMatch(/^subnet-0[0-9a-f]{16}$/);
  expect(at("${aws_kms_key.key.arn}")).toMatch(/^arn:aws:kms:eu-west-1:000000000000:key\/[0-9a-f]{32}$/);
  expect(at("${aws_s3_bucket.uploads.arn}", { bucket: "blog-dev-uploads" })).toBe(
    "arn:aws:s3:::blog-dev-uploads",
  );
  expect(at("${aws_dynamodb_table.subscribers.stream_arn}", { name: "subscribers" })).toBe(
    "arn:aws:dynamodb:eu-west-1:000000000000:table/subscribers/stream/2026-01-01T00:00:00.000",
  );
  expect(at("${aws_db_instance.postgres.master_user_secret[0].secret_arn}")).toMatch(
    /^arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!provisional-postgres-[0-9a-f]{6}-[A-Z0-9]{6}$/,
  );
  expect(at("${aws_db_instance.postgres.port}")).toBe(5432);
  expect(at("${aws_elasticache_replication_group.cache.primary_endpoint_address}")).toMatch(
    /\.provisional\.invalid$/,
  );
  expect(at("${aws_cognito_user_pool.authors.id}")).toMatch(/^eu-west-1_[A-Z0-9]{9}$/);
  expect(at("${aws_iam_role.r.arn}", { name: "r" })).toBe("arn:aws:iam::000000000000:role/r");
  expect(at("${aws_vpc.vpc.id}", {}, "a")).not.toBe(at("${aws_vpc.vpc.id}", {}, "b"));
  expect(parseReference('${join(",", aws_subnet.a.*.id)}')).toBeUndefined();

  expect(
    holdsStandIn({ input: JSON.stringify({ arn: "arn:aws:s3:::bucket-x" }) }, "arn:aws:s3:::bucket-x"),
  ).toBe(true);
  expect(holdsStandIn({ port: 5432 }, 5432)).toBe(false);
});
