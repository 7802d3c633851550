/**
 * The summary renderer on `terraform show -json`-shaped plans: classification and counts, ordering
 * (destroys and replacements first), the security callouts real AWS plans need (IAM, security groups,
 * public exposure), drift, and truncation below GitHub's comment limit.
 */
import { analyzePlan, assertPlanJson, classify } from "../../pipeline/summary/analyze";
import { renderMarkdown } from "../../pipeline/summary/markdown";
import { summarize, type StackSummary } from "../../pipeline/summary/model";
import { change, create, destroy, planJson, policy, update } from "./plan-json";

const analyze = (changes: Parameters<typeof planJson>[0], stack = "myblog-dev-data", extra = {}) =>
  analyzePlan(planJson(changes, extra), { stack });
const calloutMessages = (s: StackSummary, kind: string) =>
  s.callouts.filter((c) => c.kind === kind).map((c) => `${c.address}: ${c.message}`);

describe("classification and counts", () => {
  test("each Terraform action list maps to one action; no-ops and reads are left out", () => {
    const s = analyze([
      create("aws_s3_bucket.media", { bucket: "m" }),
      update(
        "aws_lambda_function.api",
        { memory_size: 512, timeout: 10 },
        { memory_size: 1024, timeout: 10 },
      ),
      change(
        "aws_db_instance.db",
        ["delete", "create"],
        { engine: "postgres" },
        { engine: "postgres" },
        { replacePaths: [["engine_version"], ["tags", "Name"]] },
      ),
      change("aws_sqs_queue.dlq", ["create", "delete"], {}, {}),
      destroy("aws_sns_topic.old", { name: "old" }),
      change("aws_kms_key.k", ["no-op"], {}, {}),
      change("data.aws_iam_policy_document.p", ["read"], null, {}),
      change("aws_s3_bucket.web", ["no-op"], {}, {}, { previous_address: "aws_s3_bucket.site" }),
      change("aws_dynamodb_table.t", ["no-op"], {}, {}, { importing: { id: "t" } }),
    ]);
    expect(s.counts).toEqual({ create: 1, update: 1, replace: 2, delete: 1 });
    expect(s.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      "delete aws_sns_topic.old",
      "replace aws_db_instance.db",
      "replace aws_sqs_queue.dlq",
      "update aws_lambda_function.api",
      "create aws_s3_bucket.media",
      "import aws_dynamodb_table.t",
      "move aws_s3_bucket.web",
    ]);
    expect(s.changes[1].replacedBecause).toEqual(["engine_version", "tags.Name"]);
    expect(s.changes[3].changedAttributes).toEqual(["memory_size"]);
    expect(s.status).toBe("changes");
  });

  test("attributes known only after apply count as changed; values are never copied into the summary", () => {
    const s = analyze([
      update(
        "aws_lambda_function.api",
        { source_code_hash: "abc", environment: [{ SECRET: "hunter2" }] },
        { source_code_hash: null, environment: [{ SECRET: "hunter3" }] },
        { afterUnknown: { source_code_hash: true } },
      ),
    ]);
    expect(s.changes[0].changedAttributes).toEqual(["environment", "source_code_hash"]);
    const everything = JSON.stringify(s) + renderMarkdown(summarize([s]));
    expect(everything).not.toContain("hunter");
  });

  test("an unknown action list and a document that is not a plan are refused clearly", () => {
    expect(() => classify(change("aws_x.y", ["explode"], {}, {}))).toThrow(
      "aws_x.y: unknown Terraform actions [explode]",
    );
    expect(() => assertPlanJson({ resource_changes: [] }, "plan.json")).toThrow(
      "plan.json is not `terraform show -json <planfile>` output (no format_version)",
    );
    expect(() => assertPlanJson({ format_version: "1.2", resource_changes: {} }, "p.json")).toThrow(
      'p.json: "resource_changes" must be an array',
    );
  });

  test("refresh-only plans report drift as the news", () => {
    const drifted = analyzePlan(
      planJson([], {
        resource_drift: [
          update("aws_security_group.api", { ingress: [] }, { ingress: [{ from_port: 22 }] }),
          destroy("aws_sns_topic.ops", {}),
        ],
      }),
      { stack: "myblog-prod-network", refreshOnly: true },
    );
    expect(drifted.status).toBe("changes");
    expect(drifted.drift.map((d) => `${d.action} ${d.address}`)).toEqual([
      "delete aws_sns_topic.ops",
      "update aws_security_group.api",
    ]);
    const md = renderMarkdown(summarize([drifted]));
    expect(md).toMatch(/^### Drift check\n\n1 stack checked, 1 stack drifted/);
    expect(md).toContain("| deleted | `aws_sns_topic.ops` |");
    expect(analyzePlan(planJson([]), { stack: "x", refreshOnly: true }).status).toBe("no-changes");
  });
});

describe("security callouts", () => {
  test("IAM roles, policies and attachments, and resource policies", () => {
    const s = analyze([
      create("aws_iam_role.api", {
        name: "api",
        assume_role_policy: policy({
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        }),
      }),
      update("aws_iam_role_policy.api", { policy: "{}" }, { policy: '{"x":1}' }),
      destroy("aws_iam_role_policy_attachment.vpc", {}),
      create("aws_lambda_permission.sns", { principal: "sns.amazonaws.com" }),
      create("aws_sqs_queue_policy.dlq", { policy: null }, { afterUnknown: { policy: true } }),
      update("aws_kms_key.main", { policy: "a", description: "k" }, { policy: "b", description: "k" }),
      create("aws_s3_bucket.media", { bucket: "m" }),
    ]);
    expect(calloutMessages(s, "iam")).toEqual([
      "aws_iam_role.api: IAM role created",
      "aws_iam_role_policy.api: IAM role policy updated (policy)",
      "aws_iam_role_policy_attachment.vpc: IAM role policy attachment destroyed",
      "aws_lambda_permission.sns: resource policy created",
      "aws_sqs_queue_policy.dlq: resource policy created; the policy document is known only after apply: read from the synthesized source under Policies",
      "aws_kms_key.main: embedded policy of aws_kms_key updated",
    ]);
    expect(calloutMessages(s, "public")).toEqual([]);
  });

  test("security-group rule changes, but not tag-only updates", () => {
    const s = analyze([
      update(
        "aws_security_group.db",
        {
          ingress: [{ from_port: 5432, to_port: 5432, protocol: "tcp", security_groups: ["sg-1"] }],
          tags: {},
        },
        {
          ingress: [{ from_port: 5432, to_port: 5432, protocol: "tcp", security_groups: ["sg-2"] }],
          tags: {},
        },
      ),
      update("aws_security_group.cache", { tags: { a: "1" } }, { tags: { a: "2" } }),
      create("aws_vpc_security_group_egress_rule.api_https", {
        cidr_ipv4: "0.0.0.0/0",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
      }),
      destroy("aws_security_group_rule.old", { type: "ingress" }),
    ]);
    expect(calloutMessages(s, "security-group")).toEqual([
      "aws_security_group.db: security group rules updated (ingress)",
      "aws_vpc_security_group_egress_rule.api_https: security group rules created",
      "aws_security_group_rule.old: security group rules destroyed",
    ]);
    // Egress to the internet is not exposure; only ingress from it is.
    expect(calloutMessages(s, "public")).toEqual([]);
  });

  test("anything that becomes public is called out, naming how", () => {
    const s = analyze([
      update(
        "aws_security_group.api",
        { ingress: [] },
        {
          ingress: [
            {
              from_port: 22,
              to_port: 22,
              protocol: "tcp",
              cidr_blocks: ["0.0.0.0/0"],
              ipv6_cidr_blocks: ["::/0"],
            },
          ],
        },
      ),
      create("aws_vpc_security_group_ingress_rule.all", { cidr_ipv6: "::/0", ip_protocol: "-1" }),
      create("aws_security_group_rule.pg", {
        type: "ingress",
        cidr_blocks: ["0.0.0.0/0"],
        protocol: "tcp",
        from_port: 5432,
        to_port: 5432,
      }),
      update(
        "aws_s3_bucket_policy.media",
        {
          policy: policy({
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Condition: { StringEquals: { "AWS:SourceArn": "arn" } },
          }),
        },
        { policy: policy({ Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:ListBucket"] }) },
      ),
      update(
        "aws_s3_bucket_public_access_block.media",
        {
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        },
        {
          block_public_acls: true,
          block_public_policy: false,
          ignore_public_acls: true,
          restrict_public_buckets: false,
        },
      ),
      destroy("aws_s3_bucket_public_access_block.web", { block_public_acls: true }),
      create("aws_s3_bucket_acl.logs", { acl: "public-read" }),
      update("aws_db_instance.db", { publicly_accessible: false }, { publicly_accessible: true }),
      create("aws_lambda_function_url.api", { authorization_type: "NONE" }),
      create("aws_lambda_permission.any", { principal: "*" }),
      create("aws_network_acl_rule.in", {
        egress: false,
        rule_action: "allow",
        cidr_block: "0.0.0.0/0",
        protocol: "6",
        from_port: 443,
        to_port: 443,
      }),
    ]);
    expect(calloutMessages(s, "public")).toEqual([
      "aws_security_group.api: becomes public: ingress tcp port 22 from 0.0.0.0/0",
      "aws_security_group.api: becomes public: ingress tcp port 22 from ::/0",
      "aws_vpc_security_group_ingress_rule.all: becomes public: ingress all traffic from ::/0",
      "aws_security_group_rule.pg: becomes public: ingress tcp port 5432 from 0.0.0.0/0",
      'aws_s3_bucket_policy.media: becomes public: policy allows anyone (Principal "*") s3:GetObject, s3:ListBucket without a condition',
      "aws_s3_bucket_public_access_block.media: becomes public: block_public_policy = false",
      "aws_s3_bucket_public_access_block.media: becomes public: restrict_public_buckets = false",
      "aws_s3_bucket_public_access_block.web: S3 public access block destroyed: nothing blocks public ACLs or policies any more",
      'aws_s3_bucket_acl.logs: becomes public: ACL "public-read"',
      "aws_db_instance.db: becomes public: publicly_accessible = true",
      "aws_lambda_function_url.api: becomes public: function URL without authentication (authorization_type NONE)",
      'aws_lambda_permission.any: becomes public: invocable by any principal ("*")',
      "aws_network_acl_rule.in: becomes public: ingress 6 ports 443-443 from 0.0.0.0/0".replace(
        "ports 443-443",
        "port 443",
      ),
    ]);
  });

  test("an exposure that already existed is not reported again; a conditioned Principal * is not public", () => {
    const open = {
      ingress: [{ from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }],
      description: "a",
    };
    const s = analyze([
      update("aws_security_group.alb", open, { ...open, description: "b" }),
      create("aws_sns_topic_policy.uploads", {
        policy: policy({
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "sns:Publish",
          Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::b" } },
        }),
      }),
    ]);
    expect(calloutMessages(s, "public")).toEqual([]);
  });

  test("the markdown lists public exposure first, then IAM, then security groups, with the stack", () => {
    const s = analyze(
      [
        create("aws_iam_role.api", {}),
        create("aws_security_group_rule.ssh", {
          type: "ingress",
          cidr_blocks: ["0.0.0.0/0"],
          protocol: "tcp",
          from_port: 22,
          to_port: 22,
        }),
      ],
      "myblog-dev-network",
    );
    const md = renderMarkdown(summarize([s]));
    const [pub, iam, sg] = [
      "**🌐 Becomes public**",
      "**🔑 IAM and resource policies**",
      "**🛡️ Security groups and network ACLs**",
    ].map((h) => md.indexOf(h));
    expect(pub).toBeGreaterThan(0);
    expect(iam).toBeGreaterThan(pub);
    expect(sg).toBeGreaterThan(iam);
    expect(md).toContain(
      "- `aws_security_group_rule.ssh` in `myblog-dev-network`: becomes public: ingress tcp port 22 from 0.0.0.0/0",
    );
  });
});

describe("markdown", () => {
  const stackWith = (name: string, n: number, action: "create" | "delete" = "create") =>
    analyzePlan(
      planJson(
        Array.from({ length: n }, (_, i) =>
          (action === "create" ? create : (a: string) => destroy(a, {}))(
            `aws_ssm_parameter.p${String(i).padStart(4, "0")}`,
            { value: "x" },
          ),
        ),
      ),
      { stack: name },
    );

  test("unchanged stacks are collapsed into one details block and left out of the table", () => {
    const md = renderMarkdown(
      summarize([
        stackWith("a-dev-network", 1),
        analyzePlan(planJson([]), { stack: "a-dev-data" }),
        analyzePlan(planJson([]), { stack: "a-dev-api" }),
      ]),
    );
    expect(md).toContain(
      "<details><summary>2 stacks without changes</summary>\n\n- `a-dev-data`\n- `a-dev-api`\n\n</details>",
    );
    expect(md).not.toContain("| `a-dev-data` |");
    expect(md).toContain("| `a-dev-network` | 📋 planned | 0 | 0 | 1 | 0 |");
  });

  test("pipes and backticks in addresses cannot break a table or a code span", () => {
    const s = analyze([create('aws_ssm_parameter.p["a|b`c"]', {})]);
    const md = renderMarkdown(summarize([s]));
    expect(md).toContain('| ➕ create | `` aws_ssm_parameter.p["a\\|b`c"] `` |');
  });

  test("errors are fenced with a fence longer than any backticks in them", () => {
    const failed = analyzePlan(planJson([]), { stack: "x", status: "error", error: "bad ``` fence\nline" });
    const md = renderMarkdown(summarize([failed]));
    expect(md).toContain("````text\nbad ``` fence\nline\n````");
    expect(md).toContain("> 1 stack failed to plan: `x`.");
  });

  test("long summaries are cut between blocks below the limit, close what is open and say what was cut", () => {
    const summary = summarize([stackWith("big-destroy", 400, "delete"), stackWith("big-create", 3000)]);
    const full = renderMarkdown(summary, { maxLength: 10_000_000 });
    expect(full.length).toBeGreaterThan(65_536);

    for (const maxLength of [60_000, 20_000, 5_000]) {
      const md = renderMarkdown(summary, { maxLength });
      expect(md.length).toBeLessThanOrEqual(maxLength);
      expect(md).toContain("✂️ Truncated to stay under GitHub's comment limit");
      expect(md).toMatch(/\d+ from big-create details/);
      expect(md.split("<details>").length).toBe(md.split("</details>").length);
      expect((md.match(/```/g) ?? []).length % 2).toBe(0);
      // Every table line is a whole row: starts and ends with a pipe.
      for (const line of md.split("\n").filter((l) => l.startsWith("|"))) expect(line).toMatch(/^\|.*\|$/);
      // The kept text is a prefix of the full text, block for block.
      const kept = md.slice(0, md.indexOf("\n\n> [!IMPORTANT]"));
      expect(full.startsWith(kept.replace(/(\n\n<\/details>)+$/, ""))).toBe(true);
    }
    // The destroy list comes before the details, so it survives a cut that drops details.
    const cut = renderMarkdown(summary, { maxLength: 30_000 });
    expect(cut).toContain("`aws_ssm_parameter.p0399` in `big-destroy`");
  });
});
