/**
 * Checkov beside the pack: located the documented way, run once over hand-written stack files (a passing
 * one, a failing one, one with suppressions turned into skips), its reports written beside ours. A missing
 * Checkov fails these tests with the install message; SKIP_CHECKOV=1 (README) opts out explicitly.
 */
import "@microsoft/jest-sarif";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkovScanner, judgeCheckov, type CheckovReport } from "../../checks/checkov/judge";
import { CheckovNotFoundError, INSTALL_HINT, locateCheckov } from "../../checks/checkov/locate";
import { checkovEnv, parseCheckovJson } from "../../checks/checkov/run";
import { checkovSwitchedOff, scanWithCheckov } from "../../checks/checkov/scan";
import { main } from "../../checks/cli";
import { runChecks } from "../../checks/engine";
import { checkovSection } from "../../checks/generate-docs";
import { loadOutdir } from "../../checks/model";
import { ALL_RULES } from "../../checks/rules";

const root = path.resolve(__dirname, "..", "..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checks-checkov-"));
  dirs.push(dir);
  return dir;
};

const TAGS = { app: "fx", env: "dev", layer: "test", "managed-by": "cdktf" };
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const topic = (name: string, extra: object = {}) => ({ name, tags: TAGS, ...extra });
const because = (rule: string, reason: string) => ({ rule, reason });

/** A passing stack, a failing one, and one whose failures are all suppressed in code. */
const STACKS: Record<string, object> = {
  "fx-pass": { resource: { aws_sns_topic: { good: topic("good", { kms_master_key_id: KEY }) } } },
  "fx-fail": {
    resource: {
      aws_sns_topic: { plain: topic("plain") },
      // Same name, another type: Checkov names both `resource.plain`, the block's line tells them apart.
      aws_sqs_queue: { plain: { name: "plain", sqs_managed_sse_enabled: true, tags: TAGS } },
    },
  },
  "fx-skip": {
    resource: {
      aws_sns_topic: {
        plain: topic("plain", {
          "//": { suppressions: [because("CKV_AWS_26", "fixture: Checkov fails it")] },
        }),
      },
      aws_cloudwatch_log_group: {
        short: {
          name: "short",
          retention_in_days: 7,
          kms_key_id: KEY,
          tags: TAGS,
          // Checkov's CKV_AWS_338 wants a year.
          "//": { suppressions: [because("CKV_AWS_338", "fixture: a week is enough in dev")] },
        },
      },
    },
  },
};

const fn = (name: string, extra: object = {}) => ({
  function_name: name,
  role: "arn:aws:iam::111122223333:role/fn",
  runtime: "nodejs24.x",
  handler: "index.handler",
  filename: "code.zip",
  ...extra,
});
const policyOf = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

/**
 * Why each rule beside a Checkov check stays in the pack: a resource on which Checkov's verdict for the check
 * differs from the rule's (`beyondCheckov` says why). When Checkov comes to judge one like the rule, this
 * fails: then remove the rule, and let Checkov decide.
 */
const BEYOND_CHECKOV: readonly { rule: string; check: string; address: string }[] = [
  {
    rule: "BLOG_LAMBDA_VPC_WHERE_NEEDED",
    check: "CKV_AWS_117",
    address: "aws_lambda_function.vpc_for_nothing",
  },
  {
    rule: "BLOG_LAMBDA_ASYNC_FAILURE_DESTINATION",
    check: "CKV_AWS_116",
    address: "aws_lambda_function.handled",
  },
  {
    rule: "BLOG_LAMBDA_DOWNSTREAM_CONCURRENCY",
    check: "CKV_AWS_115",
    address: "aws_lambda_function.harmless",
  },
  { rule: "BLOG_LAMBDA_NO_ENV_SECRETS", check: "CKV_AWS_45", address: "aws_lambda_function.password" },
  { rule: "BLOG_LAMBDA_SUPPORTED_RUNTIME", check: "CKV_AWS_363", address: "aws_lambda_function.node18" },
  { rule: "BLOG_POLICY_NOT_PUBLIC", check: "CKV_AWS_169", address: "aws_sns_topic_policy.anyone_publishes" },
  { rule: "BLOG_POLICY_NOT_PUBLIC", check: "CKV_AWS_168", address: "aws_sqs_queue_policy.anyone_sends" },
  { rule: "BLOG_POLICY_NOT_PUBLIC", check: "CKV_AWS_70", address: "aws_s3_bucket_policy.everyone_but" },
  ...["CKV_AWS_277", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"].map((check) => ({
    rule: "BLOG_NO_OPEN_INGRESS",
    check,
    address: "aws_security_group_rule.open_8080",
  })),
  { rule: "FSBP_S3.5", check: "CKV_AWS_379", address: "aws_s3_bucket.plain_http" },
  { rule: "FSBP_RDS.11", check: "CKV_AWS_133", address: "aws_db_instance.one_day_backups" },
  {
    rule: "FSBP_ElastiCache.1",
    check: "CKV_AWS_134",
    address: "aws_elasticache_replication_group.no_snapshots",
  },
  ...["CKV_AWS_355", "CKV_AWS_287"].map((check) => ({
    rule: "BLOG_IAM_SCOPED_RESOURCES",
    check,
    address: "aws_iam_role_policy.every_secret",
  })),
];

STACKS["fx-beyond"] = {
  resource: {
    aws_lambda_function: {
      vpc_for_nothing: fn("a", { vpc_config: { subnet_ids: ["subnet-1"], security_group_ids: ["sg-1"] } }),
      handled: fn("b", { reserved_concurrent_executions: 1 }),
      harmless: fn("c"),
      password: fn("d", {
        environment: { variables: { DATABASE_URL: "postgres://app:hunter2@db.internal:5432/app" } },
      }),
      node18: fn("e", { runtime: "nodejs18.x" }),
    },
    aws_lambda_permission: {
      topic_invokes: {
        function_name: "${aws_lambda_function.handled.function_name}",
        action: "lambda:InvokeFunction",
        principal: "sns.amazonaws.com",
        source_arn: "arn:aws:sns:eu-west-1:111122223333:t",
      },
    },
    aws_lambda_function_event_invoke_config: {
      handled_failures: {
        function_name: "${aws_lambda_function.handled.function_name}",
        destination_config: { on_failure: { destination: "arn:aws:sqs:eu-west-1:111122223333:dlq" } },
      },
    },
    aws_sns_topic_policy: {
      anyone_publishes: {
        arn: "arn:aws:sns:eu-west-1:111122223333:t",
        policy: policyOf({ Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: "*" }),
      },
    },
    aws_sqs_queue_policy: {
      anyone_sends: {
        queue_url: "https://sqs.eu-west-1.amazonaws.com/111122223333/q",
        policy: policyOf({ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" }),
      },
    },
    aws_s3_bucket_policy: {
      everyone_but: {
        bucket: "b",
        policy: policyOf({
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
          Condition: {
            ArnNotEquals: { "aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1" },
          },
        }),
      },
    },
    aws_s3_bucket: { plain_http: { bucket: "plain-http" } },
    aws_db_instance: {
      one_day_backups: {
        engine: "postgres",
        instance_class: "db.t4g.micro",
        allocated_storage: 20,
        backup_retention_period: 1,
      },
    },
    aws_elasticache_replication_group: {
      no_snapshots: {
        replication_group_id: "c",
        description: "c",
        engine: "redis",
        snapshot_retention_limit: 0,
      },
    },
    aws_security_group_rule: {
      open_8080: {
        security_group_id: "sg-1",
        type: "ingress",
        protocol: "tcp",
        from_port: 8000,
        to_port: 8080,
        cidr_blocks: ["0.0.0.0/0"],
      },
    },
    aws_iam_role_policy: {
      every_secret: {
        role: "fn",
        policy: policyOf({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }),
      },
    },
  },
};

/** Writes the stacks as `cdktf synth` lays them out (manifest.json + stacks/<name>/cdk.tf.json). */
function outdirWith(names: readonly string[], edit?: (stacks: Record<string, object>) => void): string {
  const outdir = path.join(tempDir(), "cdktf.out");
  const stacks = JSON.parse(JSON.stringify(STACKS)) as Record<string, object>;
  edit?.(stacks);
  const manifest: Record<string, object> = {};
  for (const name of names) {
    fs.mkdirSync(path.join(outdir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), JSON.stringify(stacks[name], null, 2));
    manifest[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json` };
  }
  fs.writeFileSync(path.join(outdir, "manifest.json"), JSON.stringify({ stacks: manifest }));
  return outdir;
}

function cli(outdir: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env, projectRoot = root) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main([outdir, "--quiet", ...args], {
    log: (l) => out.push(l),
    error: (l) => err.push(l),
    cwd: path.dirname(outdir),
    env,
    root: projectRoot,
  });
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outdir, file), "utf8"));
  return { code, out: out.join("\n"), err: err.join("\n"), read };
}

describe("locating Checkov", () => {
  const exe = (file: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
    return file;
  };

  it("takes CHECKOV_BINARY first, then .venv/bin/checkov in the project root, then PATH", () => {
    const dir = tempDir();
    const onPath = exe(path.join(dir, "bin", "checkov"));
    const venv = exe(path.join(dir, "project", ".venv", "bin", "checkov"));
    const own = exe(path.join(dir, "own-checkov"));
    const project = path.join(dir, "project");
    const PATH = path.join(dir, "bin");
    expect(locateCheckov(project, { PATH, CHECKOV_BINARY: own })).toBe(own);
    expect(locateCheckov(project, { PATH })).toBe(venv);
    expect(locateCheckov(dir, { PATH })).toBe(onPath);
  });

  it("fails with the install command when there is none, or CHECKOV_BINARY is wrong", () => {
    const dir = tempDir();
    expect(() => locateCheckov(dir, { PATH: "" })).toThrow(CheckovNotFoundError);
    expect(() => locateCheckov(dir, { PATH: "" })).toThrow(INSTALL_HINT);
    expect(() => locateCheckov(dir, { CHECKOV_BINARY: path.join(dir, "nope") })).toThrow(
      /CHECKOV_BINARY=.*nope/,
    );
    expect(INSTALL_HINT).toContain("python3 -m venv .venv && .venv/bin/pip install -r requirements-test.txt");
  });

  it("makes npm run check exit 2 with that message", () => {
    const run = cli(outdirWith(["fx-pass"]), [], { PATH: "", CHECKOV_BINARY: "" }, tempDir());
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/Checkov not found: .*requirements-test\.txt/);
  });
});

describe("running Checkov offline", () => {
  it("drops inherited Checkov switches (no blanket CKV_SKIP_CHECK) and disables every download", () => {
    const env = checkovEnv({
      PATH: "/bin",
      CKV_SKIP_CHECK: "CKV_AWS_26",
      BC_API_KEY: "x",
      CHECKOV_BINARY: "c",
    });
    expect(env).toEqual(expect.objectContaining({ PATH: "/bin", BC_SKIP_MAPPING: "TRUE" }));
    expect(env.CKV_SKIP_PACKAGE_UPDATE_CHECK).toBe("true");
    expect(Object.keys(env)).not.toEqual(expect.arrayContaining(["CKV_SKIP_CHECK", "BC_API_KEY"]));
  });

  it("refuses output that is not Checkov's JSON, and a file Checkov could not parse", () => {
    expect(() => parseCheckovJson("Traceback ...")).toThrow(/did not print JSON/);
    expect(() =>
      parseCheckovJson(JSON.stringify({ results: {}, summary: { parsing_errors: 1, checkov_version: "3" } })),
    ).toThrow(/could not parse 1 file/);
    expect(parseCheckovJson(JSON.stringify({ passed: 0, failed: 0, checkov_version: "3.3.30" }))).toEqual({
      version: "3.3.30",
      results: [],
    });
  });
});

describe("suppressions judged with Checkov", () => {
  const model = () => loadOutdir(outdirWith(["fx-skip"]));
  const address = "aws_cloudwatch_log_group.short";

  it("accepts a suppression of a Checkov id that Checkov fails, and reports it unverified when Checkov did not run", () => {
    const used = runChecks(model(), ALL_RULES, {
      ran: true,
      failed: (_s, a, id) => a === address && id === "CKV_AWS_338",
    });
    expect(used.suppressions.find((s) => s.address === address)).toMatchObject({
      status: "applied",
      usedBy: "checkov",
    });
    const off = runChecks(model(), ALL_RULES, checkovScanner(undefined));
    expect(off.suppressions.find((s) => s.address === address)?.status).toBe("unverified");
    expect(off.summary.invalidSuppressions).toBe(0);
  });

  it("fails a suppression of a Checkov id that Checkov does not fail", () => {
    const report = runChecks(model(), ALL_RULES, { ran: true, failed: () => false });
    expect(report.suppressions.find((s) => s.address === address)).toMatchObject({
      status: "suppresses-nothing",
      message: expect.stringMatching(/Checkov does not fail it on this resource/),
    });
    expect(report.ok).toBe(false);
  });

  it("skips Checkov's route authorization checks on a route declared public, with its reason", () => {
    const outdir = outdirWith(["fx-skip"], (stacks) => {
      Object.assign((stacks["fx-skip"] as { resource: Record<string, object> }).resource, {
        aws_apigatewayv2_route: {
          open: { api_id: "a", route_key: "GET /posts", "//": { public_route: "readers browse" } },
          forgotten: { api_id: "a", route_key: "DELETE /posts" },
        },
        aws_api_gateway_method: { open: { http_method: "GET", "//": { public_route: "readers browse" } } },
      });
    });
    const result = (checkId: string, resource: string) => ({
      checkId,
      checkName: checkId,
      verdict: "failed" as const,
      file: "stacks/fx-skip/cdk.tf.json",
      resource,
      startLine: 0,
    });
    const judged = judgeCheckov(
      {
        version: "3",
        millis: 0,
        results: [
          result("CKV_AWS_309", "aws_apigatewayv2_route.open"),
          result("CKV_AWS_309", "aws_apigatewayv2_route.forgotten"),
          result("CKV_AWS_59", "aws_api_gateway_method.open"),
        ],
      },
      loadOutdir(outdir),
    );
    expect(judged.outcomes.map((o) => [o.checkId, o.address, o.status, o.reason])).toEqual([
      ["CKV_AWS_309", "aws_apigatewayv2_route.forgotten", "failed", undefined],
      ["CKV_AWS_309", "aws_apigatewayv2_route.open", "skipped", "public route: readers browse"],
      ["CKV_AWS_59", "aws_api_gateway_method.open", "skipped", "public route: readers browse"],
    ]);
  });
});

describe("the docs' Checkov section", () => {
  it("lists the checks that fail somewhere, with their failures and skips, and not the ones that pass", () => {
    const outcome = (checkId: string, status: "passed" | "failed" | "skipped") => ({
      checkId,
      checkName: `${checkId}'s title`,
      stack: "fx",
      address: "aws_sns_topic.t",
      status,
    });
    const report: CheckovReport = {
      version: "3.3.30",
      millis: 0,
      outcomes: [outcome("CKV_AWS_26", "passed"), outcome("CKV_AWS_338", "skipped")],
      summary: { passed: 1, failed: 0, skipped: 1 },
      byCheck: new Map([
        ["CKV_AWS_26", { passed: 1, failed: 0, skipped: 0 }],
        ["CKV_AWS_338", { passed: 0, failed: 0, skipped: 1 }],
      ]),
      ok: true,
    };
    const section = checkovSection(report);
    expect(section).toMatch(/^Checkov 3\.3\.30 /);
    expect(section).toContain("| `CKV_AWS_338` | CKV_AWS_338's title | 0 / 1 |");
    expect(section).not.toContain("CKV_AWS_26");
  });
});

const maybe = checkovSwitchedOff(process.env) ? describe.skip : describe;

maybe("npm run check with Checkov", () => {
  beforeAll(() => {
    // No silent skip: without Checkov (and without SKIP_CHECKOV=1) this throws the install message.
    locateCheckov(root);
  });

  it("fails on a Checkov failure, skips what the code suppresses, and writes both Checkov reports", () => {
    const outdir = outdirWith(["fx-fail", "fx-pass", "fx-skip"], (stacks) => {
      const skip = stacks["fx-skip"] as { resource: { aws_sns_topic: { plain: Record<string, unknown> } } };
      // A Checkov id the pack does not know, on a resource Checkov does not fail: suppresses nothing.
      (skip.resource.aws_sns_topic.plain["//"] as { suppressions: object[] }).suppressions.push(
        because("CKV2_AWS_62", "fixture: nothing fails this"),
      );
    });
    const run = cli(outdir);
    expect(run.err).toBe("");
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/✗ CKV_AWS_26 {2}fx-fail {2}aws_sns_topic\.plain/);
    expect(run.out).toMatch(
      /~ CKV_AWS_338 {2}fx-skip {2}aws_cloudwatch_log_group\.short\n {6}reason: fixture: a week/,
    );
    expect(run.out).toMatch(/CHECKOV FAILED: Checkov 3\.\d+\.\d+, .* 1 failed/);

    const json = run.read("checkov-report.json");
    const status = (stack: string, address: string, id: string) =>
      json.results.find(
        (r: { stack: string; address: string; checkId: string }) =>
          r.stack === stack && r.address === address && r.checkId === id,
      )?.status;
    expect(status("fx-pass", "aws_sns_topic.good", "CKV_AWS_26")).toBe("passed");
    expect(status("fx-fail", "aws_sns_topic.plain", "CKV_AWS_26")).toBe("failed");
    expect(status("fx-fail", "aws_sqs_queue.plain", "CKV_AWS_27")).toBe("passed");
    expect(status("fx-skip", "aws_sns_topic.plain", "CKV_AWS_26")).toBe("skipped");
    expect(status("fx-skip", "aws_cloudwatch_log_group.short", "CKV_AWS_338")).toBe("skipped");
    expect(json.checks.CKV_AWS_26).toEqual({ passed: 1, failed: 1, skipped: 1 });

    const pack = run.read("security-report.json");
    const judged = (rule: string) => pack.suppressions.find((s: { rule: string }) => s.rule === rule);
    expect(judged("CKV_AWS_26")).toMatchObject({ status: "applied", usedBy: "checkov" });
    expect(judged("CKV_AWS_338")).toMatchObject({ status: "applied", usedBy: "checkov" });
    expect(judged("CKV2_AWS_62")).toMatchObject({ status: "suppresses-nothing" });

    const sarif = run.read("checkov-report.sarif");
    expect(sarif).toBeValidSarifLog();
    const results = sarif.runs[0].results as {
      ruleId: string;
      suppressions?: object[];
      locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
    }[];
    expect(sarif.runs[0].tool.driver.name).toBe("Checkov");
    expect(results.filter((r) => !r.suppressions).map((r) => r.ruleId)).toEqual(["CKV_AWS_26"]);
    expect(results.find((r) => r.ruleId === "CKV_AWS_338")?.suppressions).toEqual([
      { kind: "inSource", justification: "fixture: a week is enough in dev" },
    ]);
    expect(results[0].locations[0].physicalLocation.artifactLocation.uri).toMatch(/^cdktf\.out\/stacks\/fx-/);
    for (const file of ["checkov-report.json", "checkov-report.sarif"])
      expect(fs.readFileSync(path.join(outdir, file), "utf8")).not.toContain(os.tmpdir());
  });

  it("judges otherwise than each rule beside a Checkov check, on the resource that says why the rule stays", () => {
    const outdir = outdirWith(["fx-beyond"]);
    const model = loadOutdir(outdir);
    const checkov = scanWithCheckov(model, outdir, root);
    const pack = runChecks(model);
    const packFails = (rule: string, address: string) =>
      pack.outcomes.some((o) => o.ruleId === rule && o.address === address && o.status === "fail");
    const checkovFails = (check: string, address: string) =>
      checkov.outcomes.some((o) => o.checkId === check && o.address === address && o.status !== "passed");
    const alike = BEYOND_CHECKOV.filter(
      (g) => packFails(g.rule, g.address) === checkovFails(g.check, g.address),
    );
    expect(alike.map((g) => `Checkov's ${g.check} now judges ${g.address} as ${g.rule} does`)).toEqual([]);
    const unproven = ALL_RULES.filter((r) => r.beyondCheckov && !BEYOND_CHECKOV.some((g) => g.rule === r.id));
    expect(unproven.map((r) => r.id)).toEqual([]);
    for (const rule of ALL_RULES.filter((r) => r.beyondCheckov))
      expect(BEYOND_CHECKOV.map((g) => g.check)).toContain(rule.beyondCheckov?.check);
  });

  it("exits 0 when Checkov's only failures are suppressed in code; --checkov-only runs Checkov alone", () => {
    const outdir = outdirWith(["fx-pass", "fx-skip"]);
    const run = cli(outdir);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/CHECKOV PASSED: .* 0 failed/);
    const alone = cli(outdir, ["--checkov-only"]);
    expect(alone.code).toBe(0);
    expect(alone.out).not.toMatch(/PASSED: \d+ rules/);
  });
});
