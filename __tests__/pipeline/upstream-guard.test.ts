/**
 * A reviewed downstream plan stays true to its upstreams: against real Terraform (built-in provider, local state)
 * on the fixture app, `npm run apply` refuses a saved plan once an upstream output it read has changed or gone —
 * whether the upstream was applied in the same run or by another one — and applies it when what it read is
 * unchanged. The steps build on each other, so they run in order on one workspace.
 */
import * as fs from "fs";
import * as path from "path";
import { applyPlans } from "../../pipeline/apply-runner";
import { planPaths, readRecord, writeRecord } from "../../pipeline/plan-store";
import { planStacks } from "../../pipeline/plan-runner";
import { runTerraform } from "../../pipeline/terraform";
import { compareReads, upstreamReadsOf } from "../../pipeline/upstream-guard";
import { FixtureWorkspace } from "./fixture-app/workspace";

let ws: FixtureWorkspace;
beforeAll(() => {
  ws = new FixtureWorkspace();
});
afterAll(() => ws.dispose());

const VPC_OUTPUT = "cross-stack-output-terraform_datavpcoutput";
const FLOW_LOGS_OUTPUT = "cross-stack-output-terraform_dataflow_logsoutput";

// A new upstream output makes its reader wait here (`provisional: false`), as the apply rounds below expect.
const plan = (globs: string[] = []) =>
  planStacks({ outdir: ws.outdir, globs, terraform: ws.terraform, provisional: false });
const apply = (globs: string[] = []) => applyPlans({ outdir: ws.outdir, globs, terraform: ws.terraform });
const statuses = (run: Awaited<ReturnType<typeof apply>>) => run.results.map((r) => [r.stack, r.status]);

/** Plans and applies until nothing is left to do (a new upstream output needs one round per layer). */
async function deployAll(): Promise<void> {
  for (let round = 0; round < 4; round++) {
    if ((await plan()).exitCode === 0) return;
    expect((await apply()).exitCode).toBe(0);
  }
  expect((await plan()).exitCode).toBe(0);
}

/** The CIDR fx-data's database was last applied with, from its local state file. */
function appliedDatabaseCidr(): string {
  const state = JSON.parse(fs.readFileSync(path.join(ws.stateDir, "fx-data.tfstate"), "utf8")) as {
    resources: {
      name: string;
      instances: { attributes: { input: { value: { vpc: { cidr: string } } } } }[];
    }[];
  };
  return state.resources.find((r) => r.name === "database")!.instances[0].attributes.input.value.vpc.cidr;
}

test("digests ignore key order, differ with the value, and name what changed or went", () => {
  const planJson = (outputs: Record<string, unknown>) => ({
    prior_state: {
      values: {
        root_module: {
          resources: [
            {
              address: "data.terraform_remote_state.cross-stack-reference-input-up",
              mode: "data",
              values: { outputs },
            },
          ],
        },
      },
    },
  });
  const wanted = new Map([["up", new Set(["a", "b"])]]);
  const planned = upstreamReadsOf(planJson({ a: { x: 1, y: [2] }, b: "secret-value", c: 3 }), wanted);
  expect(Object.keys(planned.up)).toEqual(["a", "b"]);
  expect(JSON.stringify(planned)).not.toContain("secret-value");
  expect(upstreamReadsOf(planJson({ b: "secret-value", a: { y: [2], x: 1 } }), wanted)).toEqual(planned);

  const now = upstreamReadsOf(planJson({ a: { x: 1, y: [3] } }), wanted);
  expect(compareReads(planned, now)).toEqual(["upstream `up` changed `a` and no longer has `b`"]);
  expect(compareReads(planned, {})).toEqual(["upstream `up` no longer has `a`, `b`"]);
  // A data source the plan did not read (deferred to the apply) records nothing: the apply reads it itself.
  expect(upstreamReadsOf({ prior_state: {} }, wanted)).toEqual({});
});

test("a downstream plan whose upstream changed a read output in the same run is refused, dependants skipped", async () => {
  ws.synth();
  await deployAll();
  // fx-network's vpc output changes; fx-data reads it and has a change of its own (a replacement).
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17" });
  const planned = await plan();
  expect(planned.summary.stacks.map((s) => s.status)).toEqual(["changes", "changes", "no-changes"]);
  expect(planned.summary.stacks[1].notes.join(" ")).toContain(
    "`npm run apply` refuses it once `fx-network` has changed them",
  );

  // The record holds a digest of what the plan read, never the value.
  const record = readRecord(ws.outdir, "fx-data")!;
  expect(Object.keys(record.upstreamReads!)).toEqual(["fx-network"]);
  expect(record.upstreamReads!["fx-network"][VPC_OUTPUT]).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(fs.readFileSync(planPaths(ws.outdir, "fx-data").record, "utf8")).not.toContain("10.0.0.0/16");

  const run = await apply();
  expect(statuses(run)).toEqual([
    ["fx-network", "applied"],
    ["fx-data", "refused"],
    ["fx-api", "skipped"],
  ]);
  expect(run.exitCode).toBe(1);
  const message = run.results[1].message;
  expect(message).toContain(`since fx-data was planned, upstream \`fx-network\` changed \`${VPC_OUTPUT}\``);
  expect(message).toContain("Plan it again (`npm run plan -- 'fx-data'`)");
  expect(message).not.toContain("10.");
  expect(run.results[2].message).toContain("upstream fx-data");
  // Nothing of the old plan was applied.
  expect(appliedDatabaseCidr()).toBe("10.0.0.0/16");

  // Planned again, it reads the new output and applies.
  await deployAll();
  expect(appliedDatabaseCidr()).toBe("10.1.0.0/16");
});

test("an upstream applied by another run is caught too", async () => {
  ws.synth({ cidr: "10.2.0.0/16", engineGeneration: "18" });
  await plan();
  expect(statuses(await apply(["fx-network"]))).toEqual([["fx-network", "applied"]]);

  const later = await apply(["fx-data"]);
  expect(statuses(later)).toEqual([["fx-data", "refused"]]);
  expect(later.results[0].message).toContain(`upstream \`fx-network\` changed \`${VPC_OUTPUT}\``);
  expect(appliedDatabaseCidr()).toBe("10.1.0.0/16");
  await deployAll();
});

test("an upstream change the downstream does not read leaves its plan to apply", async () => {
  // fx-network's vpc changes in place (its output changes, its id does not); fx-api reads only the ids.
  ws.synth({ cidr: "10.3.0.0/16", engineGeneration: "18", withCacheWarmer: false });
  const planned = await plan();
  expect(planned.summary.stacks.map((s) => s.status)).toEqual(["changes", "no-changes", "changes"]);
  expect(Object.keys(readRecord(ws.outdir, "fx-api")!.upstreamReads!)).toEqual(["fx-data", "fx-network"]);

  expect(statuses(await apply())).toEqual([
    ["fx-network", "applied"],
    ["fx-data", "no-changes"],
    ["fx-api", "applied"],
  ]);
  await deployAll();
});

test("an upstream output the plan read that no longer exists refuses the plan", async () => {
  const variant = { cidr: "10.3.0.0/16", engineGeneration: "18", apiReadsFlowLogs: true };
  ws.synth(variant);
  await deployAll();
  ws.synth({ ...variant, withCacheWarmer: false });
  const planned = await plan(["fx-api"]);
  expect(planned.summary.stacks[0].status).toBe("changes");

  // Another run applies fx-network from a configuration without the output fx-api reads.
  const networkDir = ws.stackDir("fx-network");
  const config = JSON.parse(fs.readFileSync(path.join(networkDir, "cdk.tf.json"), "utf8")) as {
    output: Record<string, unknown>;
  };
  delete config.output[FLOW_LOGS_OUTPUT];
  fs.writeFileSync(path.join(networkDir, "cdk.tf.json"), JSON.stringify(config));
  const direct = await runTerraform(
    ["apply", "-auto-approve", "-input=false", "-no-color"],
    networkDir,
    ws.terraform,
  );
  expect(direct.exitCode).toBe(0);

  const run = await apply(["fx-api"]);
  expect(statuses(run)).toEqual([["fx-api", "refused"]]);
  expect(run.results[0].message).toContain(`upstream \`fx-network\` no longer has \`${FLOW_LOGS_OUTPUT}\``);
});

test("a plan recorded without its upstream reads (an older pipeline) is refused", async () => {
  ws.synth({ cidr: "10.3.0.0/16", engineGeneration: "18", apiReadsFlowLogs: true, withCacheWarmer: false });
  await deployAll();
  ws.synth({ cidr: "10.3.0.0/16", engineGeneration: "19", apiReadsFlowLogs: true, withCacheWarmer: false });
  await plan(["fx-data"]);
  const { upstreamReads, ...older } = readRecord(ws.outdir, "fx-data")!;
  expect(upstreamReads).toBeDefined();
  writeRecord(ws.outdir, older);

  const run = await apply(["fx-data"]);
  expect(statuses(run)).toEqual([["fx-data", "refused"]]);
  expect(run.results[0].message).toContain("does not record the upstream outputs it read");
});

test("an upstream whose state cannot be found any more refuses the plan", async () => {
  ws.synth({ cidr: "10.3.0.0/16", engineGeneration: "20", apiReadsFlowLogs: true, withCacheWarmer: false });
  await plan(["fx-data"]);
  const state = path.join(ws.stateDir, "fx-network.tfstate");
  fs.renameSync(state, `${state}.aside`);
  try {
    const run = await apply(["fx-data"]);
    expect(statuses(run)).toEqual([["fx-data", "refused"]]);
    expect(run.results[0].message).toContain(
      "the state of `fx-network`, which the plan read, cannot be found now. Plan it again",
    );
  } finally {
    fs.renameSync(`${state}.aside`, state);
  }
});
