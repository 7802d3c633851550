/**
 * What a destroy of an environment may delete (lib/teardown.ts): development empties its buckets and vaults and has
 * no deletion protection; production keeps everything until `teardown` is set, and then still takes a final snapshot.
 */
import { resources, synthApp, type TerraformJson } from "./synth";

const DATA_HOLDERS = ["aws_s3_bucket", "aws_backup_vault"] as const;

/** Every bucket and vault of an environment's stacks, with its force_destroy. */
function forceDestroy(app: ReturnType<typeof synthApp>, env: string): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const layer of ["network", "data", "api", "events", "edge"]) {
    const stack: TerraformJson = app.stack(`myblog-${env}-${layer}`);
    for (const type of DATA_HOLDERS)
      for (const [name, r] of Object.entries(resources(stack, type)))
        found[`${layer}: ${type}.${name}`] = r.force_destroy;
  }
  return found;
}

/** Deletion protection of every database, table and user pool of an environment. */
function protections(app: ReturnType<typeof synthApp>, env: string): unknown[] {
  const data = app.stack(`myblog-${env}-data`);
  return [
    ...Object.values(resources(data, "aws_db_instance")).map((r) => r.deletion_protection),
    ...Object.values(resources(data, "aws_dynamodb_table")).map((r) => r.deletion_protection_enabled),
    ...Object.values(resources(app.stack(`myblog-${env}-events`), "aws_dynamodb_table")).map(
      (r) => r.deletion_protection_enabled,
    ),
    ...Object.values(resources(app.stack(`myblog-${env}-api`), "aws_cognito_user_pool")).map(
      (r) => r.deletion_protection,
    ),
  ];
}

describe("teardown", () => {
  const withBackup = { backup: { plan: true }, audit: { objectLevelLogging: true } };
  const app = synthApp({
    environments: {
      dev: withBackup,
      prod: { ...withBackup, allowAnyAccount: true, alarmEmails: ["ops@example.com"] },
    },
  });

  it("empties every bucket and vault of a development environment on destroy, and protects nothing", () => {
    const dev = forceDestroy(app, "dev");
    expect(Object.keys(dev)).toEqual(
      expect.arrayContaining([
        "data: aws_s3_bucket.uploads_bucket_556152F0",
        "data: aws_s3_bucket.media_bucket_0B659CB7",
        "network: aws_s3_bucket.access-logs_bucket_7E528747",
        "data: aws_backup_vault.backup_vault_A3268EAD",
      ]),
    );
    expect(Object.values(dev).every((f) => f === true)).toBe(true);
    expect(protections(app, "dev").every((p) => p === false || p === "INACTIVE")).toBe(true);
  });

  it("keeps production's data until teardown is set, then still takes the final snapshot", () => {
    const kept = forceDestroy(app, "prod");
    // The site is built from the repository: its bucket is emptied in every environment.
    const { ["edge: aws_s3_bucket.web_bucket_58BAB46E"]: web, ...data } = kept;
    expect(web).toBe(true);
    expect(Object.values(data).every((f) => f === false)).toBe(true);
    expect(protections(app, "prod").every((p) => p === true || p === "ACTIVE")).toBe(true);

    const down = synthApp({
      environments: {
        dev: {},
        prod: { ...withBackup, allowAnyAccount: true, alarmEmails: ["ops@example.com"], teardown: true },
      },
    });
    expect(Object.values(forceDestroy(down, "prod")).every((f) => f === true)).toBe(true);
    expect(protections(down, "prod").every((p) => p === false || p === "INACTIVE")).toBe(true);
    const db = Object.values(resources(down.stack("myblog-prod-data"), "aws_db_instance"))[0];
    expect(db).toMatchObject({ skip_final_snapshot: false });
    // The rule pack's production rule is excused, with the reason, while the environment is torn down.
    const tables = Object.values(resources(down.stack("myblog-prod-data"), "aws_dynamodb_table"));
    for (const table of tables) expect(JSON.stringify(table["//"])).toContain('"rule":"FSBP_DynamoDB.6"');
  });
});
