/**
 * One example besides zero-config goes through the matrix's own steps in `npm test` (matrix/run.ts): every function of
 * one-account (auth.mode jwt, existing VPCs, a domain identity) cold-starts with its synthesized environment, and
 * `npm run check` passes it, rule pack with the IAM reference rules and Checkov. `.ci/run` runs all of them, with the
 * real provider's validation too (`npm run matrix`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import { EXAMPLES } from "../../matrix/examples";
import { checkStep, coldStartStep, type StepContext } from "../../matrix/run";
import { synthApp } from "../stacks/synth";

jest.setTimeout(300_000);

const example = EXAMPLES.find((e) => e.name === "one-account")!;
let context: StepContext;

beforeAll(() => {
  const synth = synthApp({}, { BLOG_CONFIG: path.join(PROJECT_ROOT, example.file!) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-matrix-example-"));
  // The check writes its reports into the output directory: a copy, the cached synth stays as it is.
  const outdir = path.join(dir, "cdktf.out");
  fs.cpSync(synth.outdir, outdir, { recursive: true });
  context = { example, root: PROJECT_ROOT, outdir, dir, env: process.env };
});
afterAll(() => fs.rmSync(context.dir, { recursive: true, force: true }));

test("every function of the one-account example cold-starts as it ships", async () => {
  expect(await coldStartStep(context)).toEqual({ status: "pass", summary: "13 functions" });
});

test("npm run check passes the one-account example: the rule pack and Checkov", async () => {
  const result = await checkStep(context);
  expect(result.summary).toMatch(
    /^pack \d+ passed, 0 failed, 0 invalid suppressions; Checkov (\d+ passed, 0 failed|off)$/,
  );
  expect(result.status).toBe("pass");
});
