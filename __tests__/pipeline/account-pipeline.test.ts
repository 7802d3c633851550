/**
 * The pipeline's account check on the fixture app with real Terraform (built-in provider, local state): the plan
 * record keeps the account each stack was planned in, the summary names it, and `npm run apply` refuses
 * credentials of another account before Terraform starts.
 */
import * as fs from "fs";
import { applyPlans } from "../../pipeline/apply-runner";
import { readRecord } from "../../pipeline/plan-store";
import { planStacks } from "../../pipeline/plan-runner";
import { FixtureWorkspace } from "./fixture-app/workspace";

const DEV = "111111111111";
const OTHER = "999999999999";
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const account = { id: DEV, planRoleArn: role(DEV, "plan"), deployRoleArn: role(DEV, "deploy") };

let ws: FixtureWorkspace;
beforeEach(() => {
  ws = new FixtureWorkspace();
});
afterEach(() => ws.dispose());

/** Credentials of the job itself: never asked for while a role is configured. */
const noCallerAccount = () => Promise.reject(new Error("STS must not be called when a role is assumed"));

const plan = (env: NodeJS.ProcessEnv = {}) =>
  planStacks({
    outdir: ws.outdir,
    globs: ["fx-network"],
    terraform: ws.terraform,
    accounts: { env, callerAccount: noCallerAccount },
  });
const apply = (
  env: NodeJS.ProcessEnv,
  callerAccount = noCallerAccount as () => Promise<string | undefined>,
) =>
  applyPlans({
    outdir: ws.outdir,
    globs: ["fx-network"],
    terraform: ws.terraform,
    accounts: { env, callerAccount },
  });

test("a plan records and reports its account; apply refuses a deploy role of another account", async () => {
  ws.synth({ account });
  const planned = await plan();
  expect(planned.exitCode).toBe(2);
  expect(readRecord(ws.outdir, "fx-network")?.account).toEqual({ id: DEV, via: `role ${role(DEV, "plan")}` });
  expect(planned.markdown).toContain(
    `- Planned in account \`${DEV}\` (role ${role(DEV, "plan")}): \`fx-network\``,
  );

  // A CI environment that hands the apply another account's role.
  const refused = await apply({ BLOG_DEPLOY_ROLE_ARN: role(OTHER, "deploy") });
  expect(refused.exitCode).toBe(1);
  expect(refused.results[0]).toMatchObject({ stack: "fx-network", status: "refused" });
  expect(refused.results[0].message).toBe(
    `it was planned in account ${DEV} (role ${role(DEV, "plan")}), but the apply credentials ` +
      `(role ${role(OTHER, "deploy")}) belong to account ${OTHER}: a plan is applied only in the account it was ` +
      "reviewed for. Use that account's deploy role (environments.<env>.account.deployRoleArn or " +
      "BLOG_DEPLOY_ROLE_ARN), or plan again.",
  );
  // Nothing was applied: no state was written.
  expect(fs.existsSync(`${ws.stateDir}/fx-network.tfstate`)).toBe(false);

  // The configured deploy role is of the planned account: the same saved plan applies.
  const applied = await apply({});
  expect(applied.results[0]).toMatchObject({ status: "applied" });
});

test("with the job's own credentials, their account is asked for and must be the planned one", async () => {
  ws.synth({ account: { id: DEV } });
  const planned = await planStacks({
    outdir: ws.outdir,
    globs: ["fx-network"],
    terraform: ws.terraform,
    accounts: { env: {}, callerAccount: () => Promise.resolve(DEV) },
  });
  expect(planned.exitCode).toBe(2);
  expect(readRecord(ws.outdir, "fx-network")?.account).toEqual({ id: DEV, via: "the job's credentials" });

  const elsewhere = await apply({}, () => Promise.resolve(OTHER));
  expect(elsewhere.results[0].message).toMatch(
    new RegExp(
      `^it was planned in account ${DEV} \\(the job's credentials\\), but the apply credentials \\(the job's credentials\\) belong to account ${OTHER}:`,
    ),
  );
  const unknown = await apply({}, () => Promise.resolve(undefined));
  expect(unknown.results[0]).toMatchObject({ status: "refused" });
  expect(unknown.results[0].message).toMatch(
    /the account of the apply credentials \(the job's credentials\) cannot be determined/,
  );

  expect((await apply({}, () => Promise.resolve(DEV))).results[0]).toMatchObject({ status: "applied" });
});

test("BLOG_PLAN_ROLE_ARN=none plans with the job's credentials instead of the configured role", async () => {
  ws.synth({ account });
  await planStacks({
    outdir: ws.outdir,
    globs: ["fx-network"],
    terraform: ws.terraform,
    accounts: { env: { BLOG_PLAN_ROLE_ARN: "none" }, callerAccount: () => Promise.resolve(DEV) },
  });
  expect(readRecord(ws.outdir, "fx-network")?.account).toEqual({ id: DEV, via: "the job's credentials" });
});
