/** The matrix runner's bookkeeping (matrix/run.ts), with stand-in steps: no synth, Terraform or Checkov here. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import type { Example } from "../../matrix/examples";
import { formatReport, runMatrix, type Step, type StepName } from "../../matrix/run";

const examples: Example[] = [
  { name: "first", summary: "", app: "one" },
  { name: "second", summary: "", app: "one" },
  { name: "broken", summary: "", app: "other" },
];

/** A synth that writes one stack claiming `bucket`, except for the example named "broken". */
const synth: Step = async ({ example, outdir }) => {
  if (example.name === "broken") return { status: "fail", summary: "exit 1" };
  const stack = path.join(outdir, "stacks", `${example.name}-stack`);
  fs.mkdirSync(stack, { recursive: true });
  const resource = { aws_s3_bucket: { state: { bucket: "shared-bucket" } } };
  fs.writeFileSync(path.join(stack, "cdk.tf.json"), JSON.stringify({ resource }));
  return { status: "pass", summary: "1 stacks" };
};
const pass: Step = async () => ({ status: "pass", summary: "fine" });
const steps: Record<StepName, Step> = {
  synth,
  validate: pass,
  check: async ({ example }) =>
    example.name === "second"
      ? { status: "fail", summary: "pack 1 failed" }
      : { status: "pass", summary: "fine" },
  "cold start": async () => {
    throw new Error("probe crashed\nstack trace");
  },
};

test("runs every step of every example, skips after a failed synth, and judges ownership per app", async () => {
  const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-matrix-run-"));
  try {
    const report = await runMatrix(examples, { root: PROJECT_ROOT, buildDir, steps, skip: ["validate"] });
    expect(report.ok).toBe(false);
    const status = (example: string, step: StepName) =>
      report.examples.find((r) => r.example === example)!.steps[step];
    expect(status("first", "validate")).toMatchObject({ status: "skipped", summary: "skipped (--skip)" });
    expect(status("second", "check")).toMatchObject({ status: "fail", summary: "pack 1 failed" });
    expect(status("first", "cold start")).toMatchObject({ status: "fail", summary: "probe crashed" });
    expect(status("broken", "check")).toMatchObject({ status: "skipped", summary: "skipped: no synth" });
    // The two examples of app "one" both create the bucket: caught across them.
    expect(report.ownership).toEqual([
      {
        app: "one",
        examples: ["first", "second"],
        names: 1,
        doubles: [
          {
            name: "S3 bucket shared-bucket",
            claimants: ["first:first-stack aws_s3_bucket.state", "second:second-stack aws_s3_bucket.state"],
          },
        ],
        unclassified: [],
      },
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(buildDir, "report.json"), "utf8")).ok).toBe(false);

    const table = formatReport(report);
    expect(table).toMatch(/^\| example +\| synth +\| validate +\| check +\| cold start +\| total +\|$/m);
    expect(table).toMatch(/^\| second +\| ok \d+\.\d s +\| skipped \(--skip\) +\| FAIL \d+\.\d s +\|/m);
    expect(table).toContain("ownership of app one (first + second): 1 names, 1 name(s) owned twice");
    expect(table).toMatch(/MATRIX FAILED in \d+\.\d s$/);
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
});

test("npm run matrix refuses an unknown example or step, naming the ones it has", () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "matrix/cli.ts", ...args], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    });
  const example = run(["nope"]);
  expect(example.status).toBe(1);
  expect(example.stderr).toContain(
    "unknown example(s) nope; the matrix has zero-config, production, one-account, second-region",
  );
  const step = run(["--skip", "lint"]);
  expect(step.status).toBe(1);
  expect(step.stderr).toContain("unknown step(s) lint");
});
