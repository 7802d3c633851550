/**
 * Checkov beside the pack: located the documented way, run once over hand-written stack files (a passing
 * one, a failing one, one with suppressions turned into skips), its reports written beside ours. A missing
 * Checkov fails these tests with the install message; SKIP_CHECKOV=1 (README) opts out explicitly.
 */
import "@microsoft/jest-sarif";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCatalog } from "../../checks/checkov/catalog";
import { checkovScanner, type CheckovReport } from "../../checks/checkov/judge";
import { CheckovNotFoundError, INSTALL_HINT, locateCheckov } from "../../checks/checkov/locate";
import { checkovEnv, parseCheckovJson } from "../../checks/checkov/run";
import { checkovSwitchedOff } from "../../checks/checkov/scan";
import { main } from "../../checks/cli";
import { runChecks } from "../../checks/engine";
import { DISAGREEMENTS } from "../../checks/checkov/disagreements";
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
          "//": { suppressions: [because("CKV_AWS_26", "fixture: the pack and Checkov both fail it")] },
        }),
      },
      aws_cloudwatch_log_group: {
        short: {
          name: "short",
          retention_in_days: 7,
          kms_key_id: KEY,
          tags: TAGS,
          // The pack's CKV_AWS_338 passes (a retention is set), Checkov's wants a year: used by Checkov only.
          "//": { suppressions: [because("CKV_AWS_338", "fixture: a week is enough in dev")] },
        },
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

  it("accepts a suppression that only Checkov uses, and reports it unverified when Checkov did not run", () => {
    const used = runChecks(model(), ALL_RULES, {
      ran: true,
      failed: (_s, a, id) => a === address && id === "CKV_AWS_338",
    });
    expect(used.suppressions.find((s) => s.address === address)).toMatchObject({
      status: "applied",
      usedBy: ["checkov"],
    });
    const off = runChecks(model(), ALL_RULES, checkovScanner(undefined));
    expect(off.suppressions.find((s) => s.address === address)?.status).toBe("unverified");
    expect(off.summary.invalidSuppressions).toBe(0);
  });

  it("still fails a suppression that neither the pack nor Checkov uses", () => {
    const report = runChecks(model(), ALL_RULES, { ran: true, failed: () => false });
    expect(report.suppressions.find((s) => s.address === address)).toMatchObject({
      status: "suppresses-nothing",
      message: expect.stringMatching(/the resource passes it and Checkov does not fail it/),
    });
    expect(report.ok).toBe(false);
  });
});

describe("the docs' Checkov section", () => {
  const catalog = parseCatalog(
    [
      "|    0 | CKV_AWS_26  | resource | aws_sns_topic | Ensure all data stored in the SNS topic is encrypted | Terraform | https://x |",
      "|    1 | CKV_AWS_338 | resource | aws_cloudwatch_log_group | Ensure CloudWatch log groups retains logs for at least 1 year | Terraform | https://x |",
      "|    2 | CKV_K8S_1   | resource | kubernetes_pod | not Terraform's | Kubernetes | https://x |",
    ].join("\n"),
  );
  const checkov = (status: "passed" | "failed"): CheckovReport => ({
    version: "3.3.30",
    millis: 0,
    outcomes: [
      {
        checkId: "CKV_AWS_338",
        checkName: "",
        stack: "fx-skip",
        address: "aws_cloudwatch_log_group.short",
        status,
      },
    ],
    summary: { passed: 0, failed: 0, skipped: 0 },
    byCheck: new Map([["CKV_AWS_338", { passed: status === "passed" ? 1 : 0, failed: 0, skipped: 0 }]]),
    ok: true,
  });

  it("reads Checkov's Terraform catalog from `checkov --list`", () => {
    expect([...catalog.keys()]).toEqual(["CKV_AWS_26", "CKV_AWS_338"]);
  });

  it("requires an explanation where the pack and Checkov disagree, and none where they agree", () => {
    const pack = runChecks(loadOutdir(outdirWith(["fx-skip"])), ALL_RULES, { ran: true, failed: () => true });
    // CKV_AWS_338: the pack passes the log group, Checkov fails it, and the explanation exists.
    const explained = { CKV_AWS_338: DISAGREEMENTS.CKV_AWS_338 };
    const section = checkovSection(pack, checkov("failed"), catalog, explained);
    expect(section).toMatch(
      /\| `CKV_AWS_338` \| {2}\| Ensure CloudWatch log groups retains logs for at least 1 year \|/,
    );
    expect(section).toMatch(/- \*\*`CKV_AWS_338`\*\*: Checkov for production, the pack for dev/);
    expect(section).toMatch(/\| `CKV_AWS_27` \| {2}\| {2}\| Checkov has no such check for terraform_json \|/);
    expect(section).toMatch(/\| `FSBP_S3.5` \| {2}\| {2}\| not a Checkov id \|/);
    expect(() => checkovSection(pack, checkov("failed"), catalog, {})).toThrow(/explain CKV_AWS_338/);
    // When they agree, the explanation is stale.
    expect(() => checkovSection(pack, checkov("passed"), catalog, explained)).toThrow(/remove CKV_AWS_338/);
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
    expect(judged("CKV_AWS_26")).toMatchObject({ status: "applied", usedBy: ["pack", "checkov"] });
    expect(judged("CKV_AWS_338")).toMatchObject({ status: "applied", usedBy: ["checkov"] });
    expect(judged("CKV2_AWS_62")).toMatchObject({ status: "unknown-rule" });

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
