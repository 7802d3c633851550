/**
 * A change planned only where it lands: against real Terraform (built-in provider, local state) on the applied
 * fixture app, `npm run plan` with the base commit's synth output plans the stacks whose configuration changed and
 * the readers of outputs the change may change, lists the others as unchanged since the base, falls back to a full
 * plan (saying why) when the comparison cannot be trusted, and `npm run apply` refuses a stack that changed but was
 * not planned. The steps build on each other, so they run in order on one workspace.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { applyPlans } from "../../pipeline/apply-runner";
import { writeSynthInputs, type SynthInputs } from "../../pipeline/change-scope";
import { planStacks, type PlanOptions } from "../../pipeline/plan-runner";
import type { StackSummary } from "../../pipeline/summary/model";
import { FixtureWorkspace } from "./fixture-app/workspace";

let ws: FixtureWorkspace;
let baseDir: string;
const INPUTS: SynthInputs = {
  files: { "cdktf.json": "c0ffee", "package-lock.json": "10c4" },
  terraformVersion: "1.11.4",
};

beforeAll(async () => {
  ws = new FixtureWorkspace();
  baseDir = path.join(ws.root, "base", "cdktf.out");
  ws.synth();
  for (let round = 0; round < 3; round++) {
    const planned = await planStacks({ outdir: ws.outdir, terraform: ws.terraform, provisional: false });
    if (planned.exitCode === 0) break;
    await applyPlans({ outdir: ws.outdir, terraform: ws.terraform });
  }
  // The base commit's synth output, as `npm run plan -- --base-ref` makes it: the files and what they came from.
  fs.cpSync(ws.outdir, baseDir, {
    recursive: true,
    filter: (f) => !f.includes(`${path.sep}plans`) && !f.includes(".terraform"),
  });
  writeSynthInputs(baseDir, INPUTS);
});
afterAll(() => ws.dispose());

const scoped = (extra: Partial<NonNullable<PlanOptions["changeScope"]>> = {}) =>
  planStacks({
    outdir: ws.outdir,
    terraform: ws.terraform,
    changeScope: { baseOutdir: baseDir, base: "b45e000", headInputs: INPUTS, ...extra },
  });
const decisions = (stacks: readonly StackSummary[]) =>
  stacks.map((s) => [s.name, s.status, s.scope?.planned]);
const reasons = (stacks: readonly StackSummary[], name: string) =>
  stacks.find((s) => s.name === name)!.scope!.reasons;

test("nothing changed: no stack is planned, each is listed as unchanged since the base", async () => {
  ws.synth();
  const result = await scoped();
  expect(result.exitCode).toBe(0);
  expect(decisions(result.summary.stacks)).toEqual([
    ["fx-network", "not-planned", false],
    ["fx-data", "not-planned", false],
    ["fx-api", "not-planned", false],
  ]);
  expect(result.markdown).toContain(
    "> [!NOTE]\n> Planned only where the change lands: 0 of 3 stacks, compared with `b45e000`; 3 unchanged since " +
      "`b45e000`, not planned (the scheduled drift check keeps checking them).",
  );
  expect(result.markdown).toContain(
    "<details><summary>3 stacks unchanged since `b45e000`, not planned</summary>",
  );
  const applied = await applyPlans({ outdir: ws.outdir, terraform: ws.terraform });
  expect(applied.results.map((r) => [r.stack, r.status])).toEqual([
    ["fx-network", "no-changes"],
    ["fx-data", "no-changes"],
    ["fx-api", "no-changes"],
  ]);
  expect(applied.results[0].message).toBe("unchanged since b45e000, not planned: nothing to apply");
});

test("a change to one stack that nothing reads plans that stack alone", async () => {
  ws.synth({ withCacheWarmer: false });
  const result = await scoped();
  expect(decisions(result.summary.stacks)).toEqual([
    ["fx-network", "not-planned", false],
    ["fx-data", "not-planned", false],
    ["fx-api", "changes", true],
  ]);
  expect(reasons(result.summary.stacks, "fx-api")).toEqual(["its configuration changed (blocks: 1 removed)"]);
  expect(result.markdown).toContain("> Planned because its configuration changed (blocks: 1 removed).");
  expect(result.markdown).toContain("Planned only where the change lands: 1 of 3 stacks");

  // The pull request's comment merges the environments' summaries: the scope and the stacks left out stay.
  const merged = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "../../pipeline/summary-cli.ts"),
      result.jsonPath,
      result.jsonPath,
    ],
    { encoding: "utf8" },
  );
  expect(merged.stdout).toContain(
    "Planned only where the change lands: 2 of 6 stacks, compared with `b45e000`",
  );
  expect(merged.stdout).toContain(
    "<details><summary>4 stacks unchanged since `b45e000`, not planned</summary>",
  );
});

test("an upstream change no reader reads plans the upstream only", async () => {
  ws.synth({ flowLogs: "disabled" });
  const result = await scoped();
  expect(decisions(result.summary.stacks)).toEqual([
    ["fx-network", "changes", true],
    ["fx-data", "not-planned", false],
    ["fx-api", "not-planned", false],
  ]);
});

test("an upstream change to an output its readers read plans them too, downstream of downstream included", async () => {
  ws.synth({ cidr: "10.1.0.0/16" });
  const result = await scoped();
  expect(decisions(result.summary.stacks)).toEqual([
    ["fx-network", "changes", true],
    // Planned: they read what fx-network's plan changes; until it is applied, they plan today's values.
    ["fx-data", "no-changes", true],
    ["fx-api", "no-changes", true],
  ]);
  expect(reasons(result.summary.stacks, "fx-data")).toEqual([
    "it reads an output of `fx-network` that this change may change (`cross-stack-output-terraform_datavpcoutput`)",
  ]);
  // fx-api reads fx-data's database id, which depends on what fx-data reads of fx-network.
  expect(reasons(result.summary.stacks, "fx-api").join(" ")).toContain(
    "of `fx-data` that this change may change",
  );
});

test("when in doubt, every stack is planned and the summary says why", async () => {
  ws.synth({ withCacheWarmer: false });
  const why = async (extra: Partial<NonNullable<PlanOptions["changeScope"]>>) => {
    const result = await scoped(extra);
    expect(result.summary.stacks.every((s) => s.scope?.planned)).toBe(true);
    return result.summary.scope?.full;
  };
  expect(await why({ baseOutdir: undefined })).toBe(
    "there is no synthesized output of b45e000 to compare with",
  );
  expect(await why({ headInputs: { ...INPUTS, terraformVersion: "1.12.0" } })).toBe(
    "the Terraform version changed (1.11.4 → 1.12.0)",
  );
  expect(await why({ headInputs: { ...INPUTS, files: { ...INPUTS.files, "cdktf.json": "d1ff" } } })).toBe(
    "`cdktf.json` changed, and they can change any stack",
  );
  expect(await why({ all: true })).toBe("`--all` was given");
  const bare = path.join(ws.root, "bare", "cdktf.out");
  fs.cpSync(baseDir, bare, { recursive: true });
  fs.rmSync(path.join(bare, "synth-inputs.json"));
  expect(await why({ baseOutdir: bare })).toBe(
    "the output of b45e000 does not record what it was synthesized from (synth-inputs.json)",
  );

  ws.synth({ requiredVersion: ">= 1.10" });
  const pinned = await scoped();
  expect(pinned.summary.scope?.full).toBe("the provider or Terraform version pins of `fx-data` changed");
  expect(pinned.markdown).toContain(
    "> [!NOTE]\n> Every stack planned: the provider or Terraform version pins of `fx-data` changed.",
  );
});

test("apply refuses a stack that changed after review but was not planned, and skips its dependants", async () => {
  ws.synth({ withCacheWarmer: false });
  const reviewed = await scoped();
  expect(reviewed.summary.stacks[0].status).toBe("not-planned");
  // main moved on after the review: fx-network changed, and nobody saw a plan of it.
  ws.synth({ withCacheWarmer: false, cidr: "10.2.0.0/16" });
  const result = await applyPlans({ outdir: ws.outdir, terraform: ws.terraform });
  expect(result.results.map((r) => [r.stack, r.status])).toEqual([
    ["fx-network", "refused"],
    ["fx-data", "skipped"],
    ["fx-api", "skipped"],
  ]);
  expect(result.results[0].message).toMatch(
    /^it changed but was not planned: the reviewed plan left it out as unchanged since b45e000, and its configuration is not what it was then/,
  );
  expect(result.exitCode).toBe(1);
});
