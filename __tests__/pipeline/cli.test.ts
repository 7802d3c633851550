/**
 * The npm scripts as users and CI run them: `npm run plan` exit codes (as `terraform plan
 * -detailed-exitcode`), `npm run apply`, `npm run plan-summary` on saved plan JSON, and usage errors.
 * Real Terraform on the fixture app, in a temporary workspace.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseMaxLength } from "../../pipeline/cli";
import { planPaths } from "../../pipeline/plan-store";
import { FixtureWorkspace } from "./fixture-app/workspace";

const ROOT = path.resolve(__dirname, "../..");
let ws: FixtureWorkspace;
beforeAll(() => {
  ws = new FixtureWorkspace();
  ws.synth();
});
afterAll(() => ws.dispose());

function cli(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "pipeline", script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...ws.terraform.env, ...env },
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("plan exits 2 with changes, apply exits 0, and a settled stack plans with exit 0", () => {
  const planned = cli("plan-cli.ts", ["fx-network", "--outdir", ws.outdir]);
  expect(planned.stderr).toContain("fx-network: changes");
  expect(planned.code).toBe(2);
  expect(planned.stdout).toContain("### Terraform plan");

  const applied = cli("apply-cli.ts", ["fx-network", "--outdir", ws.outdir]);
  expect(applied.code).toBe(0);
  expect(JSON.parse(fs.readFileSync(path.join(ws.outdir, "apply-result.json"), "utf8")).results).toEqual([
    { stack: "fx-network", status: "applied", message: "applied the reviewed plan" },
  ]);

  const settled = cli("plan-cli.ts", ["fx-network", "--outdir", ws.outdir]);
  expect(settled.code).toBe(0);
});

test("plan exits 1 when a stack fails, naming the stack and Terraform's error", () => {
  const file = path.join(ws.stackDir("fx-data"), "cdk.tf.json");
  const original = fs.readFileSync(file, "utf8");
  fs.writeFileSync(file, original.replace('"triggers_replace"', '"no_such_argument"'));
  try {
    const failed = cli("plan-cli.ts", ["fx-data", "--outdir", ws.outdir]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("1 stack failed to plan: `fx-data`");
    expect(failed.stdout).toContain('No argument or block type is named "no_such_argument"');
  } finally {
    fs.writeFileSync(file, original);
  }
});

test("plan-summary renders saved plan JSON and merges plan-summary.json files", () => {
  cli("plan-cli.ts", ["fx-data", "--outdir", ws.outdir]);
  const planJson = planPaths(ws.outdir, "fx-data").json;
  const fromPlan = cli("summary-cli.ts", [planJson]);
  expect(fromPlan.code).toBe(0);
  expect(fromPlan.stdout).toContain("| `fx-data` | 📋 planned | 0 | 0 | 1 | 0 |");

  const summaryJson = path.join(ws.outdir, "plan-summary.json");
  const merged = cli("summary-cli.ts", [summaryJson, planJson, "--json"]);
  expect(JSON.parse(merged.stdout).stacks.map((s: { name: string }) => s.name)).toEqual([
    "fx-data",
    "fx-data",
  ]);
});

test("bad arguments and bad files are clear errors with exit code 1", () => {
  expect(cli("summary-cli.ts", [])).toMatchObject({
    code: 1,
    stderr: expect.stringContaining("give at least one plan JSON file"),
  });
  expect(cli("summary-cli.ts", [path.join(ws.outdir, "manifest.json")])).toMatchObject({
    code: 1,
    stderr: expect.stringContaining("is not `terraform show -json <planfile>` output"),
  });
  const noTerraform = cli("plan-cli.ts", ["--outdir", ws.outdir], {
    TERRAFORM_BINARY: "terraform-that-is-not-installed",
  });
  expect(noTerraform.code).toBe(1);
  expect(noTerraform.stderr).toContain('error: Terraform binary "terraform-that-is-not-installed" not found');
  expect(cli("plan-cli.ts", ["--outdir", ws.outdir, "--bogus"])).toMatchObject({
    code: 1,
    stderr: expect.stringContaining("Unknown option '--bogus'"),
  });
});

test("--max-length accepts what fits in a GitHub comment", () => {
  expect(parseMaxLength(undefined, 60_000)).toBe(60_000);
  expect(parseMaxLength("20000", 60_000)).toBe(20_000);
  for (const bad of ["12", "70000", "1e3x", "2.5"]) {
    expect(() => parseMaxLength(bad, 60_000)).toThrow(
      `--max-length must be a whole number from 1000 to 65536, got "${bad}"`,
    );
  }
});
