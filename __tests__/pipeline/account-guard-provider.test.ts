/**
 * The account guard with real Terraform and the real AWS provider against the emulator (moto answers STS with
 * account 123456789012, and an assumed role's credentials with the role's account): a stack whose account.id is
 * another fails with Terraform's wrong-account error before anything is read; with the matching id, or a role
 * of the stack's account, it plans.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startMoto, type LocalMoto } from "../../local/moto";
import { PROJECT_ROOT } from "../../lib/paths";
import { writeEmulatorOverrides } from "../../pipeline/emulator-override";
import { readRecord } from "../../pipeline/plan-store";
import { planStacks } from "../../pipeline/plan-runner";
import { providerInstallation } from "../../pipeline/provider-installation";
import { parseDiagnostics, runTerraform } from "../../pipeline/terraform";
import { copyForProvider } from "../../pipeline/provider-line";
import { synthApp } from "../stacks/synth";

// Each plan starts the 700 MB provider; a loaded machine takes a minute per plan.
jest.setTimeout(600_000);

const MOTO_ACCOUNT = "123456789012";
const ROLE_ACCOUNT = "111111111111";
const STACK = "myblog-dev-network";
const installation = providerInstallation(path.join(PROJECT_ROOT, ".build", "terraform"));

let moto: LocalMoto;
let scratch: string;
beforeAll(async () => {
  moto = await startMoto();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "blog-account-guard-"));
});
afterAll(async () => {
  await moto?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The dev stacks with this account block, copied for the provider at hand and pointed at the emulator. */
function emulatedCopy(name: string, account: Record<string, unknown>): string {
  const synth = synthApp({ environments: { dev: { account } } });
  // Two levels down, so that the local backend's ../../../ state path stays inside the scratch directory.
  const outdir = path.join(scratch, name, "out", "copy");
  copyForProvider(synth.outdir, outdir, installation.mirrorVersions);
  writeEmulatorOverrides(outdir, moto.endpoint);
  return outdir;
}

const plan = (outdir: string, env: NodeJS.ProcessEnv = {}) =>
  planStacks({
    outdir,
    globs: [STACK],
    terraform: { ...installation.terraform, timeoutMs: 300_000 },
    accounts: { env, callerAccount: () => Promise.resolve(MOTO_ACCOUNT) },
  });

/** Messages of Terraform's -json stream that mean a resource or data source was read or planned. */
const READS = /"type":"(?:planned_change|apply_start|refresh_start|resource_drift)"/;

test("credentials of another account fail with Terraform's wrong-account error before anything is read", async () => {
  const outdir = emulatedCopy("wrong", { id: "999999999999" });
  const result = await plan(outdir);
  expect(result.exitCode).toBe(1);
  const error = readRecord(outdir, STACK)?.error ?? "";
  expect(error).toContain(`AWS account ID not allowed: ${MOTO_ACCOUNT}`);
  // The provider refused while being configured: no plan file, nothing read, nothing planned.
  expect(fs.existsSync(path.join(outdir, "plans", `${STACK}.tfplan`))).toBe(false);
  expect(fs.existsSync(path.join(outdir, "plans", `${STACK}.plan.json`))).toBe(false);
  expect(result.summary.stacks[0]).toMatchObject({ status: "error", counts: { create: 0 } });

  // Terraform's own message stream: the error, and not one resource or data source read or planned.
  const again = await runTerraform(
    ["plan", "-input=false", "-json"],
    path.join(outdir, "stacks", STACK),
    installation.terraform,
  );
  expect(again.exitCode).toBe(1);
  expect(parseDiagnostics(again.stdout).map((d) => d.summary)).toEqual([
    `AWS account ID not allowed: ${MOTO_ACCOUNT}`,
  ]);
  expect(again.stdout.split("\n").filter((line) => READS.test(line))).toEqual([]);
});

test("with the matching account id the stack plans", async () => {
  const outdir = emulatedCopy("matching", { id: MOTO_ACCOUNT });
  const result = await plan(outdir);
  expect(result.summary.stacks[0].error).toBeUndefined();
  expect(result.exitCode).toBe(2);
  expect(result.summary.stacks[0].counts.create).toBeGreaterThan(10);
  expect(readRecord(outdir, STACK)?.account).toEqual({ id: MOTO_ACCOUNT, via: "the job's credentials" });
});

test("the plan role of the stack's account is assumed; a role of another account is refused", async () => {
  const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
  const outdir = emulatedCopy("roles", {
    id: ROLE_ACCOUNT,
    planRoleArn: role(ROLE_ACCOUNT, "blog-plan"),
    deployRoleArn: role(ROLE_ACCOUNT, "blog-deploy"),
  });
  const planned = await plan(outdir);
  expect(planned.summary.stacks[0].error).toBeUndefined();
  expect(planned.exitCode).toBe(2);
  expect(readRecord(outdir, STACK)?.account).toEqual({
    id: ROLE_ACCOUNT,
    via: `role ${role(ROLE_ACCOUNT, "blog-plan")}`,
  });
  // The plan JSON shows the ARNs of the assumed account: the providers really worked in it.
  expect(fs.readFileSync(path.join(outdir, "plans", `${STACK}.plan.json`), "utf8")).toContain(
    `:${ROLE_ACCOUNT}:`,
  );

  const elsewhere = await plan(outdir, { BLOG_PLAN_ROLE_ARN: role("222222222222", "blog-plan") });
  expect(elsewhere.exitCode).toBe(1);
  expect(readRecord(outdir, STACK)?.error).toContain("AWS account ID not allowed: 222222222222");
});
