/**
 * The real app: synthesize every stack of every environment (as `cdktf synth` does, into a temporary
 * directory) and require the rule pack to pass with only justified suppressions. Nothing calls AWS.
 */
import "@microsoft/jest-sarif";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkovScanner, type CheckovReport } from "../../checks/checkov/judge";
import { checkovSwitchedOff, scanWithCheckov } from "../../checks/checkov/scan";
import { isInvalidSuppression, runChecks, type CheckReport } from "../../checks/engine";
import { checkovSection, DOCS_FILE, replaceSection } from "../../checks/generate-docs";
import { REFERENCE_EXCEPTIONS } from "../../checks/iam-reference/exceptions";
import { isObject, loadOutdir, type JsonObject, type Model } from "../../checks/model";
import { iamReferenceRules } from "../../checks/rules/iam-reference";

const root = path.resolve(__dirname, "..", "..");
let outdir: string;
let model: Model;
let report: CheckReport;
let checkov: CheckovReport | undefined;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "checks-app-"));
  const synth = spawnSync(process.execPath, [path.join(root, "scripts", "run-app.mjs")], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  model = loadOutdir(outdir);
  // Suppressions of Checkov-only ids are judged by what Checkov reports; without it (and without
  // SKIP_CHECKOV=1) this throws Checkov's install message.
  checkov = checkovSwitchedOff(process.env) ? undefined : scanWithCheckov(model, outdir, root);
  report = runChecks(model, undefined, checkovScanner(checkov));
}, 120_000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe("the real app", () => {
  it("synthesizes the layer stacks of every environment plus the state bootstrap, each with stack_facts", () => {
    const names = model.stacks.map((s) => s.name);
    expect(names).toContain("myblog-state-bootstrap");
    const layered = model.stacks.filter((s) => s.name !== "myblog-state-bootstrap");
    const environments = new Set(layered.map((s) => s.facts.environment));
    expect(environments.size).toBeGreaterThanOrEqual(2);
    expect(layered.some((s) => s.facts.production)).toBe(true);
    for (const stack of layered) {
      // Without facts the production-only rules would silently not apply.
      expect(stack.facts).toMatchObject({
        app: "myblog",
        layer: expect.any(String),
        environment: expect.any(String),
      });
      expect(stack.name).toBe(`myblog-${stack.facts.environment}-${stack.facts.layer}`);
    }
  });

  it("passes every rule on every stack, with only valid suppressions", () => {
    const problems = [
      ...report.outcomes
        .filter((o) => o.status === "fail")
        .map((o) => `${o.ruleId} ${o.stack} ${o.address}: ${o.message}`),
      ...report.suppressions.filter(isInvalidSuppression).map((s) => `${s.stack} ${s.address}: ${s.message}`),
    ];
    expect(problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("passes Checkov on every stack: each of its failures is fixed or suppressed in code", () => {
    if (!checkov) return; // SKIP_CHECKOV=1
    const failed = checkov.outcomes.filter((o) => o.status === "failed");
    expect(failed.map((o) => `${o.checkId} ${o.stack} ${o.address}`)).toEqual([]);
    expect(checkov.summary.skipped).toBeGreaterThan(0);
    for (const o of checkov.outcomes.filter((x) => x.status === "skipped"))
      expect(o.reason?.length).toBeGreaterThanOrEqual(20);
  });

  it("has docs/security-rules.md list the Checkov checks skipped now (npx tsx checks/generate-docs.ts)", () => {
    if (!checkov) return; // SKIP_CHECKOV=1
    const text = fs.readFileSync(DOCS_FILE, "utf8");
    const section = checkovSection(checkov);
    expect(replaceSection(text, "Checkov on our stacks", section)).toBe(text);
  });

  it("reads the policies of every stack against the Service Authorization Reference, each exception needed", () => {
    // Every environment and the bootstrap: each holds policies (roles, bucket and key policies).
    const judged = new Set(
      report.outcomes.filter((o) => o.ruleId === "BLOG_IAM_RESOURCE_TYPE").map((o) => o.stack),
    );
    expect([...judged].sort()).toEqual(model.stacks.map((s) => s.name).sort());
    // Without an exception the stacks fail on its action: an exception nothing uses is to be removed.
    for (const exception of REFERENCE_EXCEPTIONS) {
      const rules = iamReferenceRules(REFERENCE_EXCEPTIONS.filter((e) => e !== exception));
      const failures = runChecks(model, rules).outcomes.filter((o) => o.status === "fail");
      expect(failures.map((o) => o.message).join("\n")).toContain(exception.action);
    }
  });

  it("justifies every suppression with a real reason", () => {
    for (const s of report.suppressions) {
      expect(s.reason.length).toBeGreaterThanOrEqual(20);
      expect(s.reason).not.toMatch(/^(todo|fixme|tbd|n\/a|ignore)/i);
    }
  });

  it("evaluates most of the catalog on the real stacks (the rules see what the stacks create)", () => {
    const exercised = new Set(report.outcomes.map((o) => o.ruleId));
    const idle = report.rules.filter((r) => !exercised.has(r.id)).map((r) => r.id);
    expect(idle).toEqual([]);
  });

  it("fails a weakened copy of the real output where it was weakened (the pass is not vacuous)", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "checks-app-weakened-"));
    try {
      fs.cpSync(outdir, copy, { recursive: true });
      /** Applies `change` to every resource of `type` in the dev stack of `layer`. */
      const weaken = (layer: string, type: string, change: (body: JsonObject) => void) => {
        const file = path.join(copy, "stacks", `myblog-dev-${layer}`, "cdk.tf.json");
        const json = JSON.parse(fs.readFileSync(file, "utf8"));
        const resources = json.resource?.[type];
        if (!isObject(resources) || Object.keys(resources).length === 0)
          throw new Error(`no ${type} in ${layer}`);
        for (const body of Object.values(resources)) change(body as JsonObject);
        fs.writeFileSync(file, JSON.stringify(json));
      };
      weaken("data", "aws_db_instance", (db) => (db.backup_retention_period = 1));
      weaken("api", "aws_lambda_function", (fn) => (fn.runtime = "nodejs18.x"));
      weaken("api", "aws_apigatewayv2_stage", (stage) => delete stage.default_route_settings);
      weaken("events", "aws_lambda_event_source_mapping", (m) => (m.maximum_retry_attempts = -1));
      // The media bucket lives in the data stack; its TLS-only policy in the edge stack.
      weaken("edge", "aws_s3_bucket_policy", (policy) => {
        policy.policy = JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
        });
      });
      weaken("network", "aws_vpc_security_group_ingress_rule", (rule) => {
        delete rule.referenced_security_group_id;
        rule.cidr_ipv4 = "0.0.0.0/0";
      });

      const failed = runChecks(loadOutdir(copy)).outcomes.filter((o) => o.status === "fail");
      const failedRules = (stack: string) =>
        [...new Set(failed.filter((o) => o.stack === stack).map((o) => o.ruleId))].sort();
      expect(failedRules("myblog-dev-data")).toEqual(["FSBP_RDS.11", "FSBP_S3.5"]);
      expect(failedRules("myblog-dev-api")).toEqual([
        "BLOG_APIGW_THROTTLING",
        "BLOG_LAMBDA_SUPPORTED_RUNTIME",
      ]);
      expect(failedRules("myblog-dev-events")).toEqual(["BLOG_STREAM_BOUNDED_RETRIES"]);
      expect(failedRules("myblog-dev-edge")).toEqual(
        expect.arrayContaining(["BLOG_POLICY_NOT_PUBLIC", "FSBP_S3.5"]),
      );
      expect(failedRules("myblog-dev-network")).toEqual(["BLOG_NO_OPEN_INGRESS"]);
      expect(failed.every((o) => o.stack.startsWith("myblog-dev-"))).toBe(true);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("npm run check exits 0 (the pack and Checkov) and writes the four reports", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(root, "checks", "cli.ts"), outdir, "--quiet"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/PASSED: \d+ rules on \d+ stacks/);
    // Unless SKIP_CHECKOV=1 says otherwise, Checkov ran and every failure it found is fixed or suppressed.
    if (!/Checkov switched off/.test(run.stdout)) {
      expect(run.stdout).toMatch(/CHECKOV PASSED: .* 0 failed/);
      expect(JSON.parse(fs.readFileSync(path.join(outdir, "checkov-report.json"), "utf8")).ok).toBe(true);
    }
    expect(fs.existsSync(path.join(outdir, "security-report.json"))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(outdir, "security-report.sarif"), "utf8")).version).toBe(
      "2.1.0",
    );
  });
});
