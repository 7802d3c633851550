/**
 * The reviewed destroy (`npm run plan -- --destroy`, then `npm run apply`): against real Terraform on the fixture app
 * (built-in provider, local state), destroy plans saved with a DESTROY summary and applied downstream first, a stale
 * one refused with the stacks it reads kept, all or none when one stack's destroy was refused at plan time, and a
 * selection that would strand a dependant refused. The protections of a production environment are read from the
 * real app's synthesized stacks, as the plan's `before` values would hold them once deployed.
 */
import { applyPlans } from "../../pipeline/apply-runner";
import { UsageError } from "../../pipeline/errors";
import { readRecord, writeRecord } from "../../pipeline/plan-store";
import { planStacks } from "../../pipeline/plan-runner";
import type { TerraformPlanJson } from "../../pipeline/summary/analyze";
import { destroyFacts, refusalMessage } from "../../pipeline/summary/teardown";
import { runTerraform } from "../../pipeline/terraform";
import { synthApp, type TerraformJson } from "../stacks/synth";
import { FixtureWorkspace } from "./fixture-app/workspace";

describe("a reviewed destroy against real Terraform", () => {
  let ws: FixtureWorkspace;
  beforeAll(() => {
    ws = new FixtureWorkspace();
    ws.synth();
  });
  afterAll(() => ws.dispose());

  const plan = (options: { destroy?: boolean; globs?: string[] } = {}) =>
    planStacks({ outdir: ws.outdir, terraform: ws.terraform, provisional: false, ...options });
  const apply = () => applyPlans({ outdir: ws.outdir, terraform: ws.terraform });
  const statuses = (run: Awaited<ReturnType<typeof apply>>) => run.results.map((r) => [r.stack, r.status]);
  const resourcesIn = async (stack: string) => {
    const list = await runTerraform(["state", "list"], ws.stackDir(stack), ws.terraform);
    return list.stdout.split("\n").filter((line) => line.startsWith("terraform_data."));
  };

  async function deployAll(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      if ((await plan()).exitCode === 0) return;
      expect((await apply()).exitCode).toBe(0);
    }
    expect((await plan()).exitCode).toBe(0);
  }

  test("plans every stack's destroy, says so, and applies it downstream first", async () => {
    await deployAll();
    const planned = await plan({ destroy: true });
    expect(planned.exitCode).toBe(2);
    expect(planned.summary.destroy).toBe(true);
    expect(planned.summary.totals).toEqual({ create: 0, update: 0, replace: 0, delete: 5 });
    expect(planned.markdown).toContain("### 🔥 Terraform DESTROY plan");
    expect(planned.markdown).toContain("**DESTROY.**");
    expect(planned.markdown).toContain("applied downstream first: `fx-api` → `fx-data` → `fx-network`");
    expect(planned.markdown).toContain("#### 🔥 Data this destroy deletes");
    expect(readRecord(ws.outdir, "fx-data")).toMatchObject({ destroy: true, status: "changes" });

    const applied = await apply();
    expect(statuses(applied)).toEqual([
      ["fx-api", "applied"],
      ["fx-data", "applied"],
      ["fx-network", "applied"],
    ]);
    expect(applied.results[0].message).toContain("destroyed");
    for (const stack of ["fx-api", "fx-data", "fx-network"]) expect(await resourcesIn(stack)).toEqual([]);
    // Nothing left: a second destroy plan has nothing to do.
    expect((await plan({ destroy: true })).exitCode).toBe(0);
  });

  test("refuses a stale destroy plan and keeps the stacks it reads", async () => {
    await deployAll();
    expect((await plan({ destroy: true })).exitCode).toBe(2);
    // The api stack's state moves on after the review (its configuration does not).
    const direct = await runTerraform(
      ["apply", "-auto-approve", "-input=false", "-replace=terraform_data.cache_warmer"],
      ws.stackDir("fx-api"),
      ws.terraform,
    );
    expect(direct.exitCode).toBe(0);

    const refused = await apply();
    expect(refused.exitCode).toBe(1);
    expect(statuses(refused)).toEqual([
      ["fx-api", "refused"],
      ["fx-data", "skipped"],
      ["fx-network", "skipped"],
    ]);
    expect(refused.results[0].message).toMatch(/stale/);
    expect(refused.results[1].message).toBe(
      "not destroyed because fx-api, which reads it, was not destroyed",
    );
    expect(await resourcesIn("fx-data")).toEqual(["terraform_data.database"]);
  });

  test("destroys nothing when one stack's destroy was refused at plan time", async () => {
    expect((await plan({ destroy: true })).exitCode).toBe(2);
    // What the plan writes for a protected stack (summary/teardown.ts): an error naming the protections, no plan file.
    writeRecord(ws.outdir, {
      ...readRecord(ws.outdir, "fx-data")!,
      status: "error",
      error: "the destroy of fx-data is refused: 1 protection(s) …",
    });
    const refused = await apply();
    expect(refused.exitCode).toBe(1);
    expect(refused.results.every((r) => r.status === "refused")).toBe(true);
    expect(refused.results[0].message).toMatch(
      /^nothing was destroyed: destroy plans are applied all or none/,
    );
    expect(await resourcesIn("fx-api")).toHaveLength(2);
  });

  test("refuses to plan a destroy that would leave a stack reading a destroyed one", async () => {
    await expect(plan({ destroy: true, globs: ["fx-data"] })).rejects.toThrow(UsageError);
    await expect(plan({ destroy: true, globs: ["fx-data"] })).rejects.toThrow(/fx-api \(reads fx-data\)/);
  });
});

describe("the protections of a production environment", () => {
  /** A destroy plan of a deployed stack, as `terraform show -json` gives it: each resource deleted, `before` its state. */
  function destroyPlanOf(stack: TerraformJson): TerraformPlanJson {
    const resource_changes = Object.entries(stack.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, config]) => {
        const before: Record<string, unknown> = { ...config };
        // What AWS and Terraform fill in: the name stamped at create, and the bucket's generated name.
        if (typeof before.final_snapshot_identifier === "string")
          before.final_snapshot_identifier = "myblog-prod-postgres-final-20261207-010203";
        if (type === "aws_s3_bucket") before.bucket = `${String(config.bucket_prefix)}20261207`;
        return {
          address: `${type}.${name}`,
          mode: "managed" as const,
          type,
          change: { actions: ["delete"], before },
        };
      }),
    );
    return { format_version: "1.2", resource_changes };
  }
  const factsOf = (app: ReturnType<typeof synthApp>, layer: string) => {
    const stack = app.stack(`myblog-prod-${layer}`);
    return destroyFacts(destroyPlanOf(stack), { environment: "prod", resources: stack.resource });
  };
  const production = {
    allowAnyAccount: true,
    alarmEmails: ["ops@example.com"],
    backup: { plan: true },
    audit: { objectLevelLogging: true },
  };

  test("refuses, naming each protection and the key that lifts it", () => {
    const app = synthApp({ environments: { dev: {}, prod: production } });
    const data = factsOf(app, "data");
    const what = data.protections.map((p) => p.what.replace(/`/g, ""));
    expect(what).toEqual(
      expect.arrayContaining([
        "RDS deletion protection on myblog-prod-postgres",
        "DynamoDB deletion protection on myblog-prod-subscribers",
        "DynamoDB deletion protection on myblog-prod-counters",
        expect.stringMatching(
          /^retained data: S3 bucket myblog-prod-uploads.* is not emptied by the destroy/,
        ),
        expect.stringMatching(/^retained data: S3 bucket myblog-prod-media/),
        "retained data: AWS Backup vault myblog-prod-backup keeps its recovery points (no force_destroy), so deleting it fails while it holds any",
      ]),
    );
    const message = refusalMessage("myblog-prod-data", data);
    expect(message).toMatch(/^the destroy of myblog-prod-data is refused: \d+ protection\(s\)/);
    expect(message).toContain("aws_db_instance.postgres): set environments.prod.teardown: true");
    expect(message).toContain("environments.prod.database.deletionProtection");
    expect(message).toContain("environments.prod.dynamodb.deletionProtection");
    expect(message).toContain(
      "apply it (npm run apply), then plan the destroy again (npm run plan -- --destroy)",
    );
    expect(message).toContain("the final snapshot myblog-prod-postgres-final-20261207-010203");
    expect(data.deletes).toContain(
      "PostgreSQL `myblog-prod-postgres`: every database on it and its automated backups; a final snapshot is taken first",
    );

    expect(factsOf(app, "api").protections.map((p) => p.what)).toEqual([
      "Cognito deletion protection on the user pool `myblog-prod-authors`",
    ]);
    expect(factsOf(app, "events").protections).toHaveLength(1);
    expect(factsOf(app, "network").protections.map((p) => p.address)).toEqual([
      "aws_s3_bucket.access-logs_bucket_7E528747",
    ]);
    expect(factsOf(app, "network").kept.join()).toMatch(/KMS key .* scheduled for deletion in 30 days/);
    expect(factsOf(app, "edge").protections.map((p) => p.address)).toEqual([
      "aws_s3_bucket.object-audit_logs_bucket_2E2D54FF",
    ]);
  });

  test("says when the configuration lifts a protection the deployed environment still has", () => {
    const down = synthApp({ environments: { dev: {}, prod: { ...production, teardown: true } } });
    const stack = down.stack("myblog-prod-data");
    expect(destroyFacts(destroyPlanOf(stack), { environment: "prod" }).protections).toEqual([]);
    // Deployed before `teardown` was applied: the state still has the protections, the configuration not.
    const before = synthApp({ environments: { dev: {}, prod: production } }).stack("myblog-prod-data");
    const facts = destroyFacts(destroyPlanOf(before), { environment: "prod", resources: stack.resource });
    expect(facts.protections.length).toBeGreaterThan(5);
    expect(facts.protections.every((p) => p.liftedInConfiguration)).toBe(true);
    expect(refusalMessage("myblog-prod-data", facts)).toContain(
      "the configuration lifts it already: apply it first",
    );
  });
});
