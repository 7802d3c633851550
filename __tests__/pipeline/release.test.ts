/**
 * The release step of `npm run apply` with real Terraform (the fixture app, built-in provider, local state) and the
 * real SDK client against a CodeDeploy stand-in (fake-codedeploy.ts: moto never runs a deployment): a function
 * whose alias is behind is deployed with the right AppSpec and waited for; a rollback or a deployment that outlasts
 * the limit fails the stack with CodeDeploy's reason; nothing is deployed when the alias is current.
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { applyPlans } from "../../pipeline/apply-runner";
import { planStacks } from "../../pipeline/plan-runner";
import type { ReleaseOptions } from "../../pipeline/release";
import { FakeCodeDeploy } from "./fake-codedeploy";
import { FIXTURE_STACKS } from "./fixture-app/app";
import { FixtureWorkspace } from "./fixture-app/workspace";

let ws: FixtureWorkspace;
let codedeploy: FakeCodeDeploy;
let endpoint: string;
beforeEach(async () => {
  ws = new FixtureWorkspace();
  codedeploy = new FakeCodeDeploy();
  endpoint = await codedeploy.start();
});
afterEach(async () => {
  ws.dispose();
  await codedeploy.stop();
});

const release = (extra: Partial<ReleaseOptions> = {}): ReleaseOptions => ({
  client: (region) =>
    new CodeDeployClient({
      region,
      endpoint,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    }),
  pollMs: 10,
  ...extra,
});

/** The AppSpec resource of fx-api's release from version 3 to 4. */
const FX_API_3_TO_4 = {
  "fx-api": {
    Type: "AWS::Lambda::Function",
    Properties: { Name: "fx-api", Alias: "live", CurrentVersion: "3", TargetVersion: "4" },
  },
};

/** Plans and applies the fixture stack by stack (each one's upstreams are applied by then), as CI does. */
async function deploy(variant: Parameters<FixtureWorkspace["synth"]>[0], options: ReleaseOptions) {
  ws.synth(variant);
  const lines: string[] = [];
  const results = [];
  for (const stack of FIXTURE_STACKS) {
    const planned = await planStacks({ outdir: ws.outdir, globs: [stack], terraform: ws.terraform });
    expect(planned.exitCode).toBe(2);
    const applied = await applyPlans({
      outdir: ws.outdir,
      globs: [stack],
      terraform: ws.terraform,
      release: options,
      log: (line) => lines.push(line),
    });
    results.push(...applied.results);
  }
  const exitCode = results.every((r) => r.status === "applied") ? 0 : 1;
  return { applied: { results, exitCode }, lines };
}

test("a function whose alias is behind is released through CodeDeploy and waited for", async () => {
  const { applied, lines } = await deploy(
    { release: { currentVersion: "3", targetVersion: "4" } },
    release(),
  );
  expect(applied.exitCode).toBe(0);
  expect(applied.results.find((r) => r.stack === "fx-api")).toMatchObject({
    status: "applied",
    message: "applied the reviewed plan; released fx-api (version 3 → 4) (d-FAKE1)",
  });
  const created = codedeploy.calls.filter((c) => c.target === "CreateDeployment");
  expect(created).toHaveLength(1);
  expect(created[0].body).toMatchObject({ applicationName: "fx-api", deploymentGroupName: "fx-api" });
  const revision = created[0].body.revision as { revisionType: string; appSpecContent: { content: string } };
  expect(revision.revisionType).toBe("AppSpecContent");
  expect(JSON.parse(revision.appSpecContent.content)).toEqual({
    version: 0,
    Resources: [FX_API_3_TO_4],
  });
  // Progress as a person watching the deploy sees it: each change of state once.
  expect(lines.filter((l) => l.includes("release fx-api"))).toEqual([
    "  release fx-api (version 3 → 4): deployment d-FAKE1 created",
    "  release fx-api: InProgress (CodeDeployDefault.LambdaCanary10Percent5Minutes): traffic 10%",
    "  release fx-api: InProgress (CodeDeployDefault.LambdaCanary10Percent5Minutes): traffic 20%",
    "  release fx-api: Succeeded (CodeDeployDefault.LambdaCanary10Percent5Minutes)",
  ]);
});

test("with a pre-traffic hook, the AppSpec names it at BeforeAllowTraffic; its Failed report fails the deploy", async () => {
  const hook = "arn:aws:lambda:eu-west-1:111111111111:function:fx-api-release-hook:live";
  codedeploy.scripts["fx-api"] = "hook-failed";
  const { applied } = await deploy(
    { release: { currentVersion: "3", targetVersion: "4", beforeAllowTraffic: hook } },
    release(),
  );
  const [created] = codedeploy.calls.filter((c) => c.target === "CreateDeployment");
  const revision = created.body.revision as { appSpecContent: { content: string } };
  expect(JSON.parse(revision.appSpecContent.content)).toEqual({
    version: 0,
    Resources: [FX_API_3_TO_4],
    Hooks: [{ BeforeAllowTraffic: hook }],
  });
  expect(applied.results.find((r) => r.stack === "fx-api")).toEqual({
    stack: "fx-api",
    status: "failed",
    message:
      "applied the reviewed plan; release of fx-api (version 3 → 4) failed and was rolled back (d-FAKE1): " +
      "The deployment failed because the BeforeAllowTraffic hook reported Failed (see the hook's logs); " +
      "Rolled back to the version the alias served before; rollback deployment d-ROLLBACK1",
  });
});

test("an alarm during the shift: CodeDeploy rolls back and the deploy fails with its reason", async () => {
  codedeploy.scripts["fx-api"] = "alarm-rollback";
  const { applied } = await deploy({ release: { currentVersion: "3", targetVersion: "4" } }, release());
  expect(applied.exitCode).toBe(1);
  expect(applied.results.find((r) => r.stack === "fx-api")).toEqual({
    stack: "fx-api",
    status: "failed",
    message:
      "applied the reviewed plan; release of fx-api (version 3 → 4) failed and was rolled back (d-FAKE1): " +
      "One or more alarms have been activated: fx-api-errors; Rolled back to the version the alias served before; " +
      "rollback deployment d-ROLLBACK1",
  });
});

test("a deployment that outlasts the limit is stopped with rollback, and fails the deploy", async () => {
  codedeploy.scripts["fx-api"] = "never-finishes";
  const { applied } = await deploy(
    { release: { currentVersion: "3", targetVersion: "4" } },
    release({ timeoutMs: 200 }),
  );
  expect(applied.results.find((r) => r.stack === "fx-api")).toMatchObject({
    status: "failed",
    message: expect.stringContaining("took longer than the limit and was stopped and rolled back (d-FAKE1)"),
  });
  expect(codedeploy.calls.find((c) => c.target === "StopDeployment")?.body).toEqual({
    deploymentId: "d-FAKE1",
    autoRollbackEnabled: true,
  });
});

test("nothing is deployed when every alias is current, or when a stack releases nothing", async () => {
  const { applied } = await deploy({ release: { currentVersion: "4", targetVersion: "4" } }, release());
  expect(applied.exitCode).toBe(0);
  expect(applied.results.find((r) => r.stack === "fx-api")?.message).toBe(
    "applied the reviewed plan; every live alias is on its newest version",
  );
  expect(applied.results.find((r) => r.stack === "fx-network")?.message).toBe("applied the reviewed plan");
  expect(codedeploy.calls).toEqual([]);
});

test("CodeDeploy unreachable: the release cannot start and the deploy fails saying so", async () => {
  await codedeploy.stop();
  const { applied } = await deploy({ release: { currentVersion: "1", targetVersion: "2" } }, release());
  expect(applied.results.find((r) => r.stack === "fx-api")).toMatchObject({
    status: "failed",
    message: expect.stringMatching(
      /^applied the reviewed plan; release of fx-api \(version 1 → 2\) could not start: /,
    ),
  });
});
