/**
 * Releases through a plain `terraform apply`, as `cdktf deploy` runs it: the prod API stack's release resource,
 * exactly as the synth writes it (its `local-exec` command, environment and the bundled release program), applied by
 * real Terraform against a stand-in for CodeDeploy and Lambda's GetAlias (fake-codedeploy.ts: moto stores CodeDeploy
 * deployments but never runs one). Only the AWS attributes the resource reads are replaced by literals (the
 * function's name, its published version, the group, the hook), and its `depends_on` on the role policy is dropped.
 * Then releaseFunction itself, for what takes too long to run through Terraform (the time limit).
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { LambdaClient } from "@aws-sdk/client-lambda";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { releaseFunction } from "../../pipeline/release";
import { runTerraform, type TerraformOptions } from "../../pipeline/terraform";
import { synthApp } from "../stacks/synth";
import { FakeCodeDeploy } from "./fake-codedeploy";

const STACK = "myblog-prod-api";
const FUNCTION = "myblog-prod-api";
const HOOK = "arn:aws:lambda:eu-west-1:111111111111:function:myblog-prod-api-release-hook:live";

/** What the stand-in answers for each AWS attribute the release resource reads. */
function literalFor(reference: string): string {
  const attribute = reference.split(".").pop();
  if (reference.startsWith("aws_lambda_function.") && attribute === "version") return "var.published_version";
  if (reference.startsWith("aws_lambda_alias.") && attribute === "name") return '"live"';
  if (reference.startsWith("aws_lambda_alias.") && attribute === "arn") return `"${HOOK}"`;
  if (["function_name", "name", "deployment_group_name"].includes(attribute ?? "")) return `"${FUNCTION}"`;
  throw new Error(`the release resource reads ${reference}: give the stand-in a value for it`);
}

let codedeploy: FakeCodeDeploy;
let endpoint: string;
let dir: string;
let terraform: TerraformOptions;

beforeAll(() => {
  const synth = synthApp();
  const stack = synth.stack(STACK);
  const releases = Object.entries(stack.resource?.terraform_data ?? {}).filter(([id]) =>
    id.startsWith("releases_api-release"),
  );
  expect(releases).toHaveLength(1);
  const [[id, resource]] = releases;
  const { depends_on: dependsOn, ...rest } = resource as Record<string, unknown>;
  expect(dependsOn).toEqual([expect.stringMatching(/^aws_iam_role_policy\.releases_policy_/)]);
  const json = JSON.stringify(rest).replace(/aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z_]+/g, (ref) =>
    literalFor(ref).replace(/"/g, '\\"'),
  );
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-apply-"));
  // The program the command names, from the synthesized stack's assets.
  const command = (rest.provisioner as Array<{ "local-exec": { command: string } }>)[0]["local-exec"].command;
  const program = /^node "(assets\/[^"]+)"$/.exec(command)?.[1];
  expect(program).toBeDefined();
  fs.mkdirSync(path.dirname(path.join(dir, program!)), { recursive: true });
  fs.copyFileSync(path.join(synth.outdir, "stacks", STACK, program!), path.join(dir, program!));
  fs.writeFileSync(
    path.join(dir, "main.tf.json"),
    JSON.stringify({
      variable: { published_version: { type: "string" } },
      resource: { terraform_data: { [id]: JSON.parse(json) } },
    }),
  );
  const cliConfig = path.join(dir, "terraformrc");
  fs.writeFileSync(cliConfig, "");
  terraform = { env: { TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1" } };
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  codedeploy = new FakeCodeDeploy();
  endpoint = await codedeploy.start();
});
afterEach(() => codedeploy.stop());

/** `terraform apply` of the stack as a person runs it, with the version the apply publishes. */
async function apply(version: string) {
  const env = {
    ...terraform.env,
    AWS_ENDPOINT_URL_CODEDEPLOY: endpoint,
    AWS_ENDPOINT_URL_LAMBDA: endpoint,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    BLOG_RELEASE_POLL_SECONDS: "0.01",
  };
  if ((await runTerraform(["init", "-input=false", "-no-color"], dir, { env })).exitCode !== 0)
    throw new Error("terraform init failed");
  return runTerraform(
    ["apply", "-auto-approve", "-input=false", "-no-color", `-var=published_version=${version}`],
    dir,
    { env },
  );
}

const appSpecs = () =>
  codedeploy.calls
    .filter((c) => c.target === "CreateDeployment")
    .map((c) => {
      const revision = c.body.revision as { appSpecContent: { content: string } };
      return JSON.parse(revision.appSpecContent.content) as Record<string, unknown>;
    });

test("the apply that publishes a new version releases it through CodeDeploy, with the hook, and waits", async () => {
  // The first apply creates the function: its alias already serves the version, nothing to deploy.
  codedeploy.aliases[FUNCTION] = "3";
  const first = await apply("3");
  expect(first.exitCode).toBe(0);
  expect(first.stdout).toContain(`${FUNCTION}: the live alias serves version 3`);
  expect(codedeploy.calls.filter((c) => c.target === "CreateDeployment")).toEqual([]);

  // New code, version 4: the same plain apply replaces the release resource, which deploys and waits.
  const second = await apply("4");
  expect(second.exitCode).toBe(0);
  expect(second.stdout).toMatch(/must be replaced|replacement/);
  expect(appSpecs()).toEqual([
    {
      version: 0,
      Resources: [
        {
          [FUNCTION]: {
            Type: "AWS::Lambda::Function",
            Properties: { Name: FUNCTION, Alias: "live", CurrentVersion: "3", TargetVersion: "4" },
          },
        },
      ],
      Hooks: [{ BeforeAllowTraffic: HOOK }],
    },
  ]);
  const [created] = codedeploy.calls.filter((c) => c.target === "CreateDeployment");
  expect(created.body).toMatchObject({ applicationName: FUNCTION, deploymentGroupName: FUNCTION });
  // What the person running `cdktf deploy` sees: each change of state once, then the outcome.
  for (const line of [
    `release ${FUNCTION} (version 3 → 4): deployment d-FAKE1 created`,
    `release ${FUNCTION}: InProgress (CodeDeployDefault.LambdaCanary10Percent5Minutes): traffic 10%`,
    `release ${FUNCTION}: Succeeded (CodeDeployDefault.LambdaCanary10Percent5Minutes)`,
    `released ${FUNCTION} (version 3 → 4) (d-FAKE1)`,
  ])
    expect(second.stdout).toContain(line);
  expect(codedeploy.aliases[FUNCTION]).toBe("4");

  // Nothing new published: nothing to release, no deployment.
  const third = await apply("4");
  expect(third.exitCode).toBe(0);
  expect(third.stdout).toContain("No changes");
  expect(codedeploy.calls.filter((c) => c.target === "CreateDeployment")).toHaveLength(1);
});

test("a rollback fails the apply with CodeDeploy's reason, and the next apply releases again", async () => {
  codedeploy.aliases[FUNCTION] = "4";
  expect((await apply("4")).exitCode).toBe(0);
  codedeploy.scripts[FUNCTION] = "alarm-rollback";
  const failed = await apply("5");
  expect(failed.exitCode).not.toBe(0);
  expect(failed.stdout + failed.stderr).toContain(
    `release of ${FUNCTION} (version 4 → 5) failed and was rolled back (d-FAKE1): ` +
      "One or more alarms have been activated: fx-api-errors; Rolled back to the version the alias served before; " +
      "rollback deployment d-ROLLBACK1",
  );
  expect(failed.stderr).toMatch(/local-exec provisioner error/);
  expect(codedeploy.aliases[FUNCTION]).toBe("4");

  // Terraform tainted the release: the next apply of the same version tries it again, and it goes through.
  codedeploy.scripts[FUNCTION] = "succeeds";
  const retried = await apply("5");
  expect(retried.exitCode).toBe(0);
  expect(retried.stdout).toMatch(/tainted/);
  expect(retried.stdout).toContain(`released ${FUNCTION} (version 4 → 5)`);
  expect(codedeploy.aliases[FUNCTION]).toBe("5");
});

test("a pre-traffic hook that reports Failed fails the apply with that reason", async () => {
  codedeploy.aliases[FUNCTION] = "5";
  expect((await apply("5")).exitCode).toBe(0);
  codedeploy.scripts[FUNCTION] = "hook-failed";
  const failed = await apply("6");
  expect(failed.exitCode).not.toBe(0);
  expect(failed.stdout + failed.stderr).toContain(
    "The deployment failed because the BeforeAllowTraffic hook reported Failed (see the hook's logs)",
  );
});

test("CodeDeploy unreachable: the apply fails saying the release could not run", async () => {
  codedeploy.aliases[FUNCTION] = "6";
  expect((await apply("6")).exitCode).toBe(0);
  await codedeploy.stop();
  const failed = await apply("7");
  expect(failed.exitCode).not.toBe(0);
  expect(failed.stdout + failed.stderr).toContain("release could not run:");
  codedeploy = new FakeCodeDeploy();
  endpoint = await codedeploy.start();
});

test("a deployment that outlasts the preset's limit is stopped with rollback", async () => {
  codedeploy.aliases.fx = "1";
  codedeploy.scripts.fx = "never-finishes";
  const config = { region: "eu-west-1", endpoint, credentials: { accessKeyId: "t", secretAccessKey: "t" } };
  const result = await releaseFunction(
    {
      functionName: "fx",
      alias: "live",
      targetVersion: "2",
      application: "fx",
      deploymentGroup: "fx",
      region: "eu-west-1",
      timeoutMinutes: 0.005,
    },
    { codedeploy: new CodeDeployClient(config), lambda: new LambdaClient(config) },
    { pollMs: 10 },
  );
  expect(result).toEqual({
    ok: false,
    message:
      "release of fx (version 1 → 2) took longer than 0.005 minutes and was stopped and rolled back (d-FAKE1)",
  });
  expect(codedeploy.calls.find((c) => c.target === "StopDeployment")?.body).toEqual({
    deploymentId: "d-FAKE1",
    autoRollbackEnabled: true,
  });
});
