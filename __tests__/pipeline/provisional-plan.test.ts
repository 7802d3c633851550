/**
 * A fresh environment planned whole: against real Terraform (built-in provider, local state) on the fixture app,
 * `npm run plan` plans every stack before anything exists — the upstream for real, each downstream with its
 * upstream's planned outputs and typed stand-ins — marks what came from a stand-in, and `npm run apply` refuses
 * every provisional plan with its reason, so that layer by layer each stack is planned for real before its apply.
 * The steps build on each other, so they run in order on one workspace.
 */
import * as fs from "fs";
import { applyPlans } from "../../pipeline/apply-runner";
import { planPaths, readRecord } from "../../pipeline/plan-store";
import { planStacks } from "../../pipeline/plan-runner";
import type { StackSummary } from "../../pipeline/summary/model";
import { FixtureWorkspace } from "./fixture-app/workspace";

let ws: FixtureWorkspace;
beforeAll(() => {
  ws = new FixtureWorkspace();
});
afterAll(() => ws.dispose());

const plan = (globs: string[] = []) => planStacks({ outdir: ws.outdir, globs, terraform: ws.terraform });
const apply = () => applyPlans({ outdir: ws.outdir, terraform: ws.terraform });
const stack = (stacks: readonly StackSummary[], name: string) => stacks.find((s) => s.name === name)!;
const statuses = (run: Awaited<ReturnType<typeof apply>>) => run.results.map((r) => [r.stack, r.status]);

test("a fresh environment is planned whole: the upstream for real, its dependants provisionally", async () => {
  ws.synth();
  const result = await plan();

  expect(result.exitCode).toBe(2);
  expect(result.summary.stacks.map((s) => [s.name, s.status, s.provisional?.upstreams])).toEqual([
    ["fx-network", "changes", undefined],
    ["fx-data", "changes", ["fx-network"]],
    ["fx-api", "changes", ["fx-data", "fx-network"]],
  ]);
  const data = stack(result.summary.stacks, "fx-data");
  expect(data.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["create terraform_data.database"]);
  // fx-network's plan knows the vpc's input but not what it outputs after apply: that one is a stand-in.
  expect(data.provisional?.standIns.map((s) => [s.upstream, s.reference])).toEqual(
    expect.arrayContaining([["fx-network", "terraform_data.vpc.output"]]),
  );
  expect(data.changes[0].standIns).toEqual(["input"]);
  const api = stack(result.summary.stacks, "fx-api");
  expect(api.changes.map((c) => c.address)).toEqual([
    "terraform_data.api_function",
    "terraform_data.cache_warmer",
  ]);
  expect(api.changes.find((c) => c.address === "terraform_data.api_function")?.standIns).toEqual(["input"]);
  // Ids Terraform assigns on create: every one the api reads is a stand-in, each one unique.
  const values = api.provisional!.standIns.map((s) => s.value);
  expect(new Set(values).size).toBe(values.length);

  // No plan file is kept for a provisional plan; its JSON and a record saying so are.
  for (const name of ["fx-data", "fx-api"]) {
    expect(fs.existsSync(planPaths(ws.outdir, name).binary)).toBe(false);
    expect(fs.existsSync(planPaths(ws.outdir, name).json)).toBe(true);
    expect(readRecord(ws.outdir, name)?.provisional?.upstreams.length).toBeGreaterThan(0);
  }
  expect(fs.existsSync(planPaths(ws.outdir, "fx-network").binary)).toBe(true);
  // The stack directories were never touched: no override file, no working copy left behind.
  expect(fs.readdirSync(ws.stackDir("fx-data")).filter((f) => f.includes("override"))).toEqual([]);
  expect(fs.existsSync(`${ws.outdir}/provisional`)).toBe(false);

  const md = result.markdown;
  expect(md).toContain("> [!IMPORTANT]\n> 2 stacks planned **provisionally**: `fx-data`, `fx-api`.");
  expect(md).toContain("| `fx-data` | 🧪 provisional (`fx-network` not applied) | 0 | 0 | 1 | 0 |");
  expect(md).toContain("| `fx-network` | 📋 planned | 0 | 0 | 2 | 0 |");
  expect(md).toContain("| ➕ create | `terraform_data.database` | ⟨stand-in⟩ in `input` |");
  expect(md).toContain("| `terraform_data.vpc.output` | `fx-network` |");
});

test("apply refuses a provisional plan and says why; layer by layer each stack is planned for real first", async () => {
  const first = await apply();
  expect(statuses(first)).toEqual([
    ["fx-network", "applied"],
    ["fx-data", "refused"],
    ["fx-api", "skipped"],
  ]);
  expect(first.exitCode).toBe(1);
  expect(first.results[1].message).toBe(
    "its plan is provisional: `fx-network` had no state when it was planned, so it was planned with provisional " +
      "outputs (planned values and stand-ins), and a provisional plan can never be applied. Apply `fx-network` " +
      "first, then plan this stack again (`npm run plan -- 'fx-data'`) and apply that plan.",
  );
  expect(fs.existsSync(`${ws.stateDir}/fx-data.tfstate`)).toBe(false);

  // fx-network exists now: fx-data plans for real, fx-api still provisionally (on fx-data only).
  const second = await plan();
  expect(second.summary.stacks.map((s) => [s.name, s.status, s.provisional?.upstreams])).toEqual([
    ["fx-network", "no-changes", undefined],
    ["fx-data", "changes", undefined],
    ["fx-api", "changes", ["fx-data"]],
  ]);
  expect(stack(second.summary.stacks, "fx-data").changes[0].standIns).toBeUndefined();
  expect(statuses(await apply())).toEqual([
    ["fx-network", "no-changes"],
    ["fx-data", "applied"],
    ["fx-api", "refused"],
  ]);

  const third = await plan();
  expect(third.summary.stacks.every((s) => !s.provisional)).toBe(true);
  expect((await apply()).exitCode).toBe(0);
  expect((await plan()).exitCode).toBe(0);
});

test("a new upstream output not applied yet: the reader is planned with the upstream's planned value", async () => {
  ws.synth({ apiReadsFlowLogs: true });
  const result = await plan();
  const api = stack(result.summary.stacks, "fx-api");
  expect(api.provisional?.upstreams).toEqual(["fx-network"]);
  // Every output fx-network's plan knows (the flow-log setting included) came from its plan, none is a stand-in.
  expect(api.provisional?.standIns).toEqual([]);
  expect(api.provisional?.fromPlans).toBeGreaterThan(0);
  expect(api.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["update terraform_data.api_function"]);
  expect(readRecord(ws.outdir, "fx-api")?.provisional).toEqual({ upstreams: ["fx-network"] });
});

test("--no-provisional (provisional: false) keeps today's waiting stacks", async () => {
  const result = await planStacks({ outdir: ws.outdir, terraform: ws.terraform, provisional: false });
  expect(stack(result.summary.stacks, "fx-api")).toMatchObject({
    status: "waiting",
    waitingOn: ["fx-network"],
  });
});
