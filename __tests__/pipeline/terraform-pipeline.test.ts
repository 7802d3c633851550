/**
 * The plan → summary → apply pipeline against real Terraform (offline: only the built-in `terraform`
 * provider and local state) on the three-stack fixture app. No part of Terraform is mocked; the steps build
 * on each other like a series of pull requests, so they run in order on one workspace.
 */
import * as fs from "fs";
import { applyPlans } from "../../pipeline/apply-runner";
import { planPaths } from "../../pipeline/plan-store";
import { planStacks } from "../../pipeline/plan-runner";
import type { StackSummary } from "../../pipeline/summary/model";
import { runTerraform } from "../../pipeline/terraform";
import { FixtureWorkspace } from "./fixture-app/workspace";

let ws: FixtureWorkspace;
beforeAll(() => {
  ws = new FixtureWorkspace();
});
afterAll(() => ws.dispose());

// Stacks without an applied upstream wait here (`provisional: false`); provisional plans: provisional-plan.test.ts.
const plan = (globs: string[] = []) =>
  planStacks({ outdir: ws.outdir, globs, terraform: ws.terraform, provisional: false });
const apply = (globs: string[] = []) => applyPlans({ outdir: ws.outdir, globs, terraform: ws.terraform });
const stack = (stacks: readonly StackSummary[], name: string) => stacks.find((s) => s.name === name)!;
const actions = (s: StackSummary) => s.changes.map((c) => `${c.action} ${c.address}`);

/** Plans and applies until every stack is applied (a new environment needs one round per layer). */
async function deployAll(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const planned = await plan();
    if (planned.exitCode === 0) return;
    expect((await apply()).exitCode).toBe(0);
  }
  expect((await plan()).exitCode).toBe(0);
}

test("without provisional plans, a first plan creates the upstream stack and reports downstream stacks as waiting on it", async () => {
  ws.synth();
  const result = await plan();

  expect(result.exitCode).toBe(2);
  const network = stack(result.summary.stacks, "fx-network");
  expect(network.status).toBe("changes");
  expect(network.counts).toEqual({ create: 2, update: 0, replace: 0, delete: 0 });
  expect(actions(network)).toEqual(["create terraform_data.flow_logs", "create terraform_data.vpc"]);
  expect(stack(result.summary.stacks, "fx-data")).toMatchObject({
    status: "waiting",
    waitingOn: ["fx-network"],
  });
  expect(stack(result.summary.stacks, "fx-api")).toMatchObject({ status: "waiting", waitingOn: ["fx-data"] });

  const markdown = fs.readFileSync(result.markdownPath, "utf8");
  expect(markdown).toBe(result.markdown);
  expect(markdown).toContain("`fx-data` waits on `fx-network`");
  expect(markdown).toContain("| ➕ create | `terraform_data.vpc` |");
  expect(markdown).not.toMatch(/Unsupported attribute|obscure/);
  expect(JSON.parse(fs.readFileSync(result.jsonPath, "utf8"))).toEqual(
    JSON.parse(JSON.stringify(result.summary)),
  );
});

test("apply runs the saved plans in dependency order and leaves waiting stacks to the next plan", async () => {
  const first = await apply();
  expect(first.results.map((r) => [r.stack, r.status])).toEqual([
    ["fx-network", "applied"],
    ["fx-data", "needs-plan"],
    ["fx-api", "needs-plan"],
  ]);
  expect(first.exitCode).toBe(0);

  await deployAll();
  const settled = await plan();
  expect(settled.exitCode).toBe(0);
  expect(settled.summary.stacks.map((s) => s.status)).toEqual(["no-changes", "no-changes", "no-changes"]);
  expect(settled.markdown).toContain("<details><summary>3 stacks without changes</summary>");
});

test("a changed input shows an update upstream and a replacement called out first", async () => {
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17" });
  const result = await plan();

  expect(result.exitCode).toBe(2);
  const network = stack(result.summary.stacks, "fx-network");
  expect(actions(network)).toEqual(["update terraform_data.vpc"]);
  expect(network.changes[0].changedAttributes).toEqual(expect.arrayContaining(["input", "output"]));
  const data = stack(result.summary.stacks, "fx-data");
  expect(data.counts.replace).toBe(1);
  expect(data.changes[0]).toMatchObject({
    action: "replace",
    address: "terraform_data.database",
    replacedBecause: ["triggers_replace"],
  });
  // fx-data reads the vpc output that fx-network's own pending plan changes: the summary says so.
  expect(data.notes.join(" ")).toContain("plan again after `fx-network` is applied");

  const md = result.markdown;
  expect(md).toContain("**1 to replace**");
  expect(md).toContain("> [!CAUTION]");
  const destroyedSection = md.indexOf("#### ⛔ Destroyed and replaced");
  expect(destroyedSection).toBeGreaterThan(0);
  expect(destroyedSection).toBeLessThan(md.indexOf("<details>"));
  expect(md).toContain(
    "- ♻️ **replace** `terraform_data.database` in `fx-data` — forced by `triggers_replace`",
  );
});

test("a plan whose state moved on is refused as stale, and its dependants are skipped", async () => {
  // Someone applies fx-network outside the pipeline after the plan above was saved.
  const direct = await runTerraform(
    ["apply", "-auto-approve", "-input=false", "-no-color"],
    ws.stackDir("fx-network"),
    ws.terraform,
  );
  expect(direct.exitCode).toBe(0);

  const result = await apply();
  expect(result.exitCode).toBe(1);
  expect(result.results.map((r) => [r.stack, r.status])).toEqual([
    ["fx-network", "refused"],
    ["fx-data", "skipped"],
    ["fx-api", "skipped"],
  ]);
  expect(result.results[0].message).toMatch(/stale/);
  expect(result.results[1].message).toContain("upstream fx-network");
});

test("a plan whose stack directory changed after planning is refused before Terraform runs", async () => {
  const planned = await plan();
  expect(stack(planned.summary.stacks, "fx-network").status).toBe("no-changes");
  // The configuration under review is not the one on disk any more (a later commit re-synthesized it).
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "18" });
  const planBefore = fs.readFileSync(planPaths(ws.outdir, "fx-data").binary);

  const result = await apply();
  expect(result.results.map((r) => [r.stack, r.status])).toEqual([
    ["fx-network", "no-changes"],
    ["fx-data", "refused"],
    ["fx-api", "skipped"],
  ]);
  expect(result.results[1].message).toContain("the stack directory changed since it was planned");
  expect(fs.readFileSync(planPaths(ws.outdir, "fx-data").binary)).toEqual(planBefore);
});

test("removing a resource calls out its destruction", async () => {
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17" });
  await deployAll();
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17", withCacheWarmer: false });
  const result = await plan(["fx-api"]);

  expect(result.summary.stacks.map((s) => s.name)).toEqual(["fx-api"]);
  const api = stack(result.summary.stacks, "fx-api");
  expect(api.counts).toEqual({ create: 0, update: 0, replace: 0, delete: 1 });
  expect(result.markdown).toContain("**1 to destroy**");
  expect(result.markdown).toContain("- 🗑️ **destroy** `terraform_data.cache_warmer` in `fx-api`");
  expect(result.markdown).toContain("1 resource will be destroyed");
});

test("a renamed resource plans as destroy + create; with a moved block it is only moved", async () => {
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17", functionId: "renamed" });
  const renamed = stack((await plan(["fx-api"])).summary.stacks, "fx-api");
  expect(actions(renamed)).toEqual([
    "delete terraform_data.api_function",
    "create terraform_data.api_handler",
  ]);

  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17", functionId: "moved" });
  const moved = await plan(["fx-api"]);
  const api = stack(moved.summary.stacks, "fx-api");
  expect(api.counts).toEqual({ create: 0, update: 0, replace: 0, delete: 0 });
  expect(api.changes).toEqual([
    expect.objectContaining({ action: "move", movedFrom: "terraform_data.api_function" }),
  ]);
  expect(moved.markdown).toContain("moved from `terraform_data.api_function`");
});

test("a new reference to an output the upstream has not applied yet is reported as waiting", async () => {
  ws.synth({ cidr: "10.1.0.0/16", engineGeneration: "17", functionId: "moved", apiReadsFlowLogs: true });
  const result = await plan(["fx-network", "fx-api"]);

  expect(result.exitCode).toBe(2);
  const network = stack(result.summary.stacks, "fx-network");
  expect(network.outputChanges).toEqual(["cross-stack-output-terraform_dataflow_logsoutput"]);
  // fx-network's state exists but lacks the new output: Terraform says "Unsupported attribute".
  expect(stack(result.summary.stacks, "fx-api")).toMatchObject({
    status: "waiting",
    waitingOn: ["fx-network"],
  });
  expect(stack(result.summary.stacks, "fx-api").error).toContain("Unsupported attribute");
});

test("a refresh-only plan (drift detection) of applied stacks finds no drift", async () => {
  const result = await planStacks({
    outdir: ws.outdir,
    globs: ["fx-network", "fx-data"],
    refreshOnly: true,
    terraform: ws.terraform,
  });
  expect(result.summary.stacks.map((s) => [s.name, s.refreshOnly, s.drift.length])).toEqual([
    ["fx-network", true, 0],
    ["fx-data", true, 0],
  ]);
  expect(result.markdown).toMatch(/^### Drift check\n\n2 stacks checked, 0 stacks drifted/);
});

test("an unknown stack glob is a clear error naming the stacks that exist", async () => {
  await expect(plan(["nope-*"])).rejects.toThrow(
    'No stack matches "nope-*". Stacks: fx-network, fx-data, fx-api',
  );
});
