/**
 * The engine, suppressions, report, SARIF and CLI over real `app.synth()` output (manifest.json plus
 * stacks/<name>/cdk.tf.json in a temporary directory), including cross-stack references.
 */
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import "@microsoft/jest-sarif";
import { App, Fn, TerraformLocal, TerraformStack } from "cdktf";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../checks/cli";
import { ruleIndex, RuleCatalogError, RuleEvaluationError, runChecks } from "../../checks/engine";
import { CheckInputError, loadOutdir } from "../../checks/model";
import { formatTable } from "../../checks/report";
import { resourceRule } from "../../checks/rule";
import { ALL_RULES } from "../../checks/rules";
import { declarePublicRoute, suppress } from "../../checks/suppress";
import { bucket, httpApi, policy, REQUIRED_TAGS, table, tlsOnly } from "./fixtures";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checks-engine-"));
  dirs.push(dir);
  return dir;
}

/** A stack as BlogStack makes it: provider and stack_facts (unless `production` is undefined). */
function stack(app: App, name: string, production?: boolean): TerraformStack {
  const s = new TerraformStack(app, name);
  new AwsProvider(s, "aws", { region: "eu-west-1" });
  if (production !== undefined) {
    new TerraformLocal(s, "stack_facts", {
      app: "fx",
      environment: production ? "prod" : "dev",
      layer: name,
      production,
    });
  }
  return s;
}

function synth(build: (app: App) => void): string {
  const outdir = path.join(tempDir(), "cdktf.out");
  const app = new App({ outdir, skipValidation: true });
  build(app);
  app.synth();
  return outdir;
}

describe("cross-stack joins", () => {
  it("finds a bucket's TLS-only policy in the stack that consumes the bucket", () => {
    const outdir = synth((app) => {
      const data = stack(app, "fx-dev-data", false);
      const media = bucket(data, "media", { policy: false });
      const edge = stack(app, "fx-dev-edge", false);
      new S3BucketPolicy(edge, "media-policy", { bucket: media.id, policy: policy(tlsOnly(media.arn)) });
    });
    const report = runChecks(loadOutdir(outdir));
    const tls = report.outcomes.filter((o) => o.ruleId === "FSBP_S3.5");
    expect(tls).toEqual([
      expect.objectContaining({ stack: "fx-dev-data", address: "aws_s3_bucket.media", status: "pass" }),
    ]);
  });

  it("fails the bucket when the stack holding its policy is not loaded (nothing to join)", () => {
    const outdir = synth((app) => {
      const data = stack(app, "fx-dev-data", false);
      bucket(data, "media", { policy: false });
    });
    const tls = runChecks(loadOutdir(outdir)).outcomes.find((o) => o.ruleId === "FSBP_S3.5");
    expect(tls).toMatchObject({ status: "fail", message: "the bucket has no bucket policy" });
  });
});

describe("stack facts", () => {
  it("applies production-only rules only where stack_facts.production is true; no facts = not production", () => {
    const outdir = synth((app) => {
      table(stack(app, "fx-prod-data", true), "t", { deletionProtectionEnabled: false });
      table(stack(app, "fx-dev-data", false), "t", { deletionProtectionEnabled: false });
      table(stack(app, "fx-unknown-data"), "t", { deletionProtectionEnabled: false });
    });
    const protection = runChecks(loadOutdir(outdir)).outcomes.filter((o) => o.ruleId === "FSBP_DynamoDB.6");
    expect(protection.map((o) => [o.stack, o.status])).toEqual([["fx-prod-data", "fail"]]);
  });
});

describe("stack facts of the wrong shape", () => {
  it("are an input error, not a silent non-production stack", () => {
    const outdir = synth((app) => {
      const s = new TerraformStack(app, "fx-prod-data");
      new AwsProvider(s, "aws", { region: "eu-west-1" });
      new TerraformLocal(s, "stack_facts", {
        app: "fx",
        environment: "prod",
        layer: "data",
        production: "yes",
      });
    });
    expect(() => loadOutdir(outdir)).toThrow(CheckInputError);
    expect(() => loadOutdir(outdir)).toThrow(
      'fx-prod-data: locals.stack_facts must be an object with a boolean "production"',
    );
  });
});

describe("suppressions", () => {
  /** Checkov, as far as the suppressions are concerned: it fails CKV_AWS_18 on every resource. */
  const checkov = {
    ran: true,
    failed: (_stack: string, _address: string, id: string) => id === "CKV_AWS_18",
  };

  it("turns a pack failure into a listed suppression, and a Checkov failure into a skip of Checkov's", () => {
    const outdir = synth((app) => {
      const s = stack(app, "fx-dev-network", false);
      const logs = bucket(s, "logs", { policy: false });
      suppress(logs, "FSBP_S3.5", "fixture: nothing else writes to it");
      suppress(logs, "CKV_AWS_18", "this is the access-log bucket itself");
    });
    const report = runChecks(loadOutdir(outdir), ALL_RULES, checkov);
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({ fail: 0, invalidSuppressions: 0, suppressed: 1 });
    expect(report.suppressions).toEqual([
      expect.objectContaining({ rule: "FSBP_S3.5", ruleId: "FSBP_S3.5", status: "applied", usedBy: "pack" }),
      expect.objectContaining({
        rule: "CKV_AWS_18",
        status: "applied",
        usedBy: "checkov",
        reason: "this is the access-log bucket itself",
      }),
    ]);
    expect(report.outcomes.find((o) => o.ruleId === "FSBP_S3.5")).toMatchObject({
      status: "suppressed",
      reason: "fixture: nothing else writes to it",
    });
  });

  it("reports a suppression of an unknown rule, of a passing resource, of a rule that does not apply, and of a Checkov id Checkov does not fail", () => {
    const outdir = synth((app) => {
      const s = stack(app, "fx-dev-network", false);
      const b = bucket(s, "b");
      suppress(b, "BLOG_NO_SUCH_RULE", "typo");
      suppress(b, "FSBP_S3.5", "the policy requires TLS, so this suppresses nothing");
      suppress(b, "FSBP_RDS.11", "an RDS rule on a bucket");
      suppress(b, "CKV_AWS_99999", "Checkov has no such check");
    });
    const report = runChecks(loadOutdir(outdir), ALL_RULES, checkov);
    expect(report.ok).toBe(false);
    expect(report.summary.invalidSuppressions).toBe(4);
    expect(report.suppressions.map((s) => [s.rule, s.status, s.message])).toEqual([
      ["BLOG_NO_SUCH_RULE", "unknown-rule", "suppression names unknown rule BLOG_NO_SUCH_RULE"],
      [
        "FSBP_S3.5",
        "suppresses-nothing",
        "suppression of FSBP_S3.5 suppresses nothing: the resource passes it",
      ],
      [
        "FSBP_RDS.11",
        "suppresses-nothing",
        "suppression of FSBP_RDS.11 suppresses nothing: the rule does not apply to this resource",
      ],
      [
        "CKV_AWS_99999",
        "suppresses-nothing",
        "suppression of CKV_AWS_99999 suppresses nothing: Checkov does not fail it on this resource (or has no such check)",
      ],
    ]);
    // Without Checkov, its ids cannot be judged: listed as unverified, not invalid.
    const withoutCheckov = runChecks(loadOutdir(outdir));
    expect(withoutCheckov.suppressions.find((s) => s.rule === "CKV_AWS_99999")?.status).toBe("unverified");
    expect(withoutCheckov.summary.invalidSuppressions).toBe(3);
  });

  it("rejects a hand-edited suppression without a reason", () => {
    const outdir = synth((app) => {
      const s = stack(app, "fx-dev-network", false);
      bucket(s, "b").addOverride("//.suppressions", [{ rule: "CKV_AWS_18" }]);
    });
    expect(() => loadOutdir(outdir)).toThrow(CheckInputError);
    expect(() => loadOutdir(outdir)).toThrow(/suppression #1 needs a rule id and a non-empty reason/);
  });
});

describe("public routes", () => {
  it("lists the routes declared public with their reason, and requires one", () => {
    const outdir = synth((app) => {
      const s = stack(app, "fx-dev-api", false);
      const authed = httpApi(s);
      const open = new Apigatewayv2Route(s, "list-posts", {
        apiId: authed.apiId,
        routeKey: "GET /posts",
        authorizationType: "NONE",
      });
      declarePublicRoute(open, "readers list posts without signing in");
      expect(() => declarePublicRoute(open, " ")).toThrow(/reason is required/);
    });
    expect(runChecks(loadOutdir(outdir)).publicRoutes).toEqual([
      {
        stack: "fx-dev-api",
        address: "aws_apigatewayv2_route.list-posts",
        reason: "readers list posts without signing in",
      },
    ]);
  });
});

describe("policies", () => {
  it("reads data.aws_iam_policy_document and jsonencode of a literal, and reports a policy it cannot read", () => {
    const outdir = synth((app) => {
      const s = stack(app, "fx-dev-api", false);
      const doc = new DataAwsIamPolicyDocument(s, "doc", {
        statement: [{ effect: "Allow", actions: ["sqs:*"], resources: ["arn:aws:sqs:eu-west-1:1:q"] }],
      });
      new IamPolicy(s, "from-document", { name: "a", policy: doc.json, tags: REQUIRED_TAGS });
      new IamPolicy(s, "jsonencoded", {
        name: "b",
        policy: Fn.jsonencode({
          Statement: [{ Effect: "Allow", Action: ["sns:*"], Resource: doc.id }],
        }),
        tags: REQUIRED_TAGS,
      });
      new IamPolicy(s, "computed", {
        name: "c",
        policy: Fn.jsonencode(Fn.merge([{ Statement: [] }, {}])),
        tags: REQUIRED_TAGS,
      });
    });
    const outcomes = runChecks(loadOutdir(outdir)).outcomes.filter((o) => o.ruleId === "FSBP_IAM.21");
    expect(outcomes.map((o) => [o.address, o.status])).toEqual([
      ["aws_iam_policy.computed", "fail"],
      ["aws_iam_policy.from-document", "fail"],
      ["aws_iam_policy.jsonencoded", "fail"],
    ]);
    expect(outcomes[0].message).toMatch(/cannot be read statically/);
    expect(outcomes[1].message).toMatch(/allows sqs:\*/);
    expect(outcomes[2].message).toMatch(/allows sns:\*/);
  });
});

describe("rule catalog", () => {
  it("names the rule and the stack when a rule crashes, instead of passing", () => {
    const outdir = synth((app) => bucket(stack(app, "fx-dev-data", false), "b"));
    const crashing = resourceRule({
      id: "BLOG_CRASHES",
      title: "t",
      description: "d",
      remediation: "r",
      types: ["aws_s3_bucket"],
      check: () => {
        throw new TypeError("unexpected shape");
      },
    });
    expect(() => runChecks(loadOutdir(outdir), [crashing])).toThrow(RuleEvaluationError);
    expect(() => runChecks(loadOutdir(outdir), [crashing])).toThrow(
      "rule BLOG_CRASHES could not evaluate stack fx-dev-data: unexpected shape",
    );
  });

  it("refuses two rules claiming the same id, and a rule that takes one of Checkov's", () => {
    const rule = (id: string) =>
      resourceRule({ id, title: "t", description: "d", remediation: "r", types: [], check: () => undefined });
    expect(() => ruleIndex([...ALL_RULES, rule("blog_apigw_throttling")])).toThrow(/claimed twice/);
    expect(() => ruleIndex([rule("CKV_AWS_18")])).toThrow(RuleCatalogError);
    expect(() => ruleIndex([rule("CKV2_AWS_65")])).toThrow(/is Checkov's/);
    expect(() => ruleIndex(ALL_RULES)).not.toThrow();
  });
});

describe("npm run check (CLI)", () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        log: (l: string) => out.push(l),
        error: (l: string) => err.push(l),
        cwd: path.dirname(dirs[dirs.length - 1] ?? os.tmpdir()),
        // The pack's own CLI behaviour; Checkov beside it is tested in checkov.test.ts.
        env: { ...process.env, SKIP_CHECKOV: "1" },
      },
    };
  };

  function failingApp(): string {
    return synth((app) => {
      const edge = stack(app, "fx-dev-edge", false);
      const site = bucket(edge, "site", { policy: false });
      suppress(site, "FSBP_S3.5", "fixture: its policy is attached in a stack this app does not have");
      bucket(edge, "site2", { policy: false });
      const q = new SqsQueue(edge, "queue", { name: "q", sqsManagedSseEnabled: true, tags: REQUIRED_TAGS });
      suppress(q, "BLOG_REQUIRED_TAGS", "suppresses nothing"); // not a Checkov id: invalid with Checkov off too
    });
  }

  it("writes the JSON report and SARIF, prints the table, exits 1 on a failure or invalid suppression", () => {
    const outdir = failingApp();
    const { out, io: cliIo } = io();
    const code = main([outdir], { ...cliIo, cwd: path.dirname(outdir) });
    expect(code).toBe(1);
    const text = out.join("\n");
    expect(text).toMatch(/cells: pass\/suppressed\/fail/);
    expect(text).toMatch(/✗ FSBP_S3.5 {2}fx-dev-edge {2}aws_s3_bucket.site2/);
    expect(text).toMatch(/fix: Start the bucket policy with/);
    expect(text).toMatch(/INVALID SUPPRESSIONS \(1\)/);
    expect(text).toMatch(/~ FSBP_S3.5 {2}fx-dev-edge {2}aws_s3_bucket.site\n {6}reason: fixture: its policy/);

    const json = JSON.parse(fs.readFileSync(path.join(outdir, "security-report.json"), "utf8"));
    expect(json.ok).toBe(false);
    expect(json.findings).toEqual([
      expect.objectContaining({
        ruleId: "FSBP_S3.5",
        stack: "fx-dev-edge",
        address: "aws_s3_bucket.site2",
        status: "fail",
        remediation: expect.stringMatching(/aws:SecureTransport/),
      }),
    ]);
    expect(json.rules.find((r: { id: string }) => r.id === "FSBP_S3.5").stacks).toEqual({
      "fx-dev-edge": { pass: 0, suppressed: 1, fail: 1 },
    });

    const sarif = JSON.parse(fs.readFileSync(path.join(outdir, "security-report.sarif"), "utf8"));
    // Validated against the SARIF 2.1.0 JSON schema that @microsoft/jest-sarif ships.
    expect(sarif).toBeValidSarifLog();
    const broken = JSON.parse(JSON.stringify(sarif));
    broken.runs[0].results[0].level = "fatal";
    expect(broken).not.toBeValidSarifLog();
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const run = sarif.runs[0];
    const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ruleIds).toEqual([...ALL_RULES.map((r) => r.id), "BLOG_INVALID_SUPPRESSION"]);
    for (const r of run.tool.driver.rules) {
      expect(r.shortDescription.text).toBeTruthy();
      expect(r.help.text).toMatch(/Fix: /);
      expect(r.properties["security-severity"]).toMatch(/^\d+\.\d$/);
    }
    for (const result of run.results) {
      expect(ruleIds[result.ruleIndex]).toBe(result.ruleId);
      expect(["error", "warning"]).toContain(result.level);
      expect(result.message.text).toBeTruthy();
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(
        "cdktf.out/stacks/fx-dev-edge/cdk.tf.json",
      );
    }
    const tls = run.results.find(
      (r: { ruleId: string; suppressions?: object[] }) => r.ruleId === "FSBP_S3.5" && !r.suppressions,
    );
    expect(tls.locations[0].logicalLocations[0]).toEqual({
      name: "aws_s3_bucket.site2",
      fullyQualifiedName: "fx-dev-edge/aws_s3_bucket.site2",
      kind: "resource",
    });
    // The region points at the resource's line in cdk.tf.json.
    const lines = fs
      .readFileSync(path.join(outdir, "stacks", "fx-dev-edge", "cdk.tf.json"), "utf8")
      .split("\n");
    expect(lines[tls.locations[0].physicalLocation.region.startLine - 1].trim()).toBe('"site2": {');
    const suppressed = run.results.find(
      (r: { ruleId: string; suppressions?: object[] }) => r.ruleId === "FSBP_S3.5" && r.suppressions,
    );
    expect(suppressed.suppressions).toEqual([
      {
        kind: "inSource",
        justification: "fixture: its policy is attached in a stack this app does not have",
      },
    ]);
    expect(
      run.results.filter((r: { ruleId: string }) => r.ruleId === "BLOG_INVALID_SUPPRESSION"),
    ).toHaveLength(1);
  });

  it("writes byte-identical reports on every run (no timestamps, no absolute paths)", () => {
    const outdir = failingApp();
    const { io: cliIo } = io();
    const read = () =>
      ["security-report.json", "security-report.sarif"].map((f) =>
        fs.readFileSync(path.join(outdir, f), "utf8"),
      );
    main([outdir], { ...cliIo, cwd: path.dirname(outdir) });
    const first = read();
    main([outdir], { ...cliIo, cwd: path.dirname(outdir) });
    expect(read()).toEqual(first);
    for (const text of first) expect(text).not.toContain(os.tmpdir());
  });

  it("exits 0 when every check passes or is suppressed", () => {
    const outdir = synth((app) => {
      const edge = stack(app, "fx-dev-edge", false);
      suppress(bucket(edge, "site", { policy: false }), "FSBP_S3.5", "its policy is attached elsewhere");
    });
    const { out, io: cliIo } = io();
    expect(main([outdir, "--quiet"], cliIo)).toBe(0);
    expect(out.join("\n")).toMatch(/PASSED: \d+ rules on 1 stacks/);
    expect(out.join("\n")).not.toMatch(/cells:/);
  });

  it("exits 2 with a clear message when there is no synth output, or on bad arguments", () => {
    const { err, io: cliIo } = io();
    expect(main([path.join(tempDir(), "nothing")], cliIo)).toBe(2);
    expect(err.join("\n")).toMatch(/manifest.json not found: run `npx cdktf synth` first/);
    expect(main(["--frobnicate"], cliIo)).toBe(2);
    expect(err.join("\n")).toMatch(/unknown option --frobnicate/);
    expect(main(["a", "b"], cliIo)).toBe(2);
  });

  it("reports an invalid stack file as such", () => {
    const outdir = failingApp();
    fs.writeFileSync(path.join(outdir, "stacks", "fx-dev-edge", "cdk.tf.json"), "{ not json");
    expect(() => loadOutdir(outdir)).toThrow(/cdk.tf.json is not valid JSON/);
  });

  it("prints one row per rule and one column per stack", () => {
    const outdir = synth((app) => {
      bucket(stack(app, "fx-dev-data", false), "b");
      bucket(stack(app, "fx-prod-data", true), "b");
    });
    const table = formatTable(runChecks(loadOutdir(outdir))).split("\n");
    expect(table[1]).toMatch(/^rule\s+dev-data\s+prod-data\s+total$/);
    expect(table.find((l) => l.startsWith("FSBP_S3.5 "))).toMatch(/1\/0\/0\s+1\/0\/0\s+2\/0\/0$/);
    expect(table.find((l) => l.startsWith("FSBP_RDS.11 "))).toMatch(/·\s+·\s+·$/);
    expect(table).toHaveLength(3 + ALL_RULES.length);
  });
});
