/** The optional AWS Backup plan (backup.plan): what it backs up, where, with which key and role, and its alarms. */
import { BACKUP_SERVICE_POLICIES } from "../../lib/backup-plan";
import { TABLES, tablesOf, type TableContract } from "../../shared/contracts/tables";
import { only, policy, resources, synthApp } from "./synth";

describe("AWS Backup plan", () => {
  it("is off by default in both presets", () => {
    const app = synthApp();
    for (const env of ["dev", "prod"])
      expect(Object.keys(resources(app.stack(`myblog-${env}-data`), "aws_backup_plan"))).toEqual([]);
  });

  describe("on, with a copy in a second region", () => {
    const app = synthApp({
      environments: {
        prod: {
          allowAnyAccount: true,
          alarmEmails: ["ops@example.com"],
          backup: { plan: true, retentionDays: 90, copyRegion: "eu-central-1" },
        },
      },
    });
    const prod = app.stack("myblog-prod-data");

    it("backs up the database, the data tables whose records do not expire and both buckets, not the idempotency records", () => {
      const selection = only(prod, "aws_backup_selection");
      // The contract's data tables without a TTL, in its order (shared/contracts/tables.ts).
      const kept = tablesOf("data").filter((name) => !(TABLES[name] as TableContract).ttlAttribute);
      expect(kept).toEqual(expect.arrayContaining(["subscribers", "counters", "photos"]));
      expect(kept).not.toContain("idempotency");
      expect(selection.resources).toEqual(
        [
          "${aws_db_instance.postgres.arn}",
          ...kept.map((name) => `\${aws_dynamodb_table.${name}.arn}`),
          "${aws_s3_bucket.uploads_bucket_A4B4D3F1.arn}",
          "${aws_s3_bucket.media_bucket_A4B4D3F1.arn}",
        ].map((r) => expect.stringMatching(r.replace(/[$.{}]/g, "\\$&").replace("_A4B4D3F1", ".*"))),
      );
      expect(selection.plan_id).toMatch(/aws_backup_plan\..*\.id/);
    });

    it("keeps recovery points in a vault under the environment's key and copies them to a vault of the copy region", () => {
      const vaults = Object.values(resources(prod, "aws_backup_vault"));
      expect(vaults).toHaveLength(2);
      const main = vaults.find((v) => v.provider === undefined)!;
      const copy = vaults.find((v) => v.provider !== undefined)!;
      expect(main.kms_key_arn).toMatch(/remote_state\.[^.]*-network\.outputs\.[^}]*aws_kms_key/);
      expect(main.force_destroy).toBe(false);
      expect(copy.provider).toBe("aws.eu-central-1");
      // Named with the app's region: a deployment of this app in the copy region has its own myblog-prod-backup.
      expect([main.name, copy.name]).toEqual(["myblog-prod-backup", "myblog-prod-eu-west-1-backup"]);
      expect(copy.kms_key_arn).toMatch(/aws_kms_key\..*copy-key.*\.arn|aws_kms_key\.backup_copy-key/);
      const rule = (only(prod, "aws_backup_plan").rule as Record<string, unknown>[])[0];
      expect(rule).toMatchObject({
        schedule: "cron(0 3 * * ? *)",
        lifecycle: { delete_after: 90 },
        copy_action: [{ lifecycle: { delete_after: 90 } }],
      });
      expect(rule.target_vault_name).toMatch(/aws_backup_vault\..*\.name/);
    });

    it("runs as a role with AWS Backup's managed service policies and use of exactly the two keys", () => {
      const [role] = Object.values(resources(prod, "aws_iam_role")).filter((r) =>
        String(r.name).endsWith("-backup"),
      );
      expect(policy(role.assume_role_policy).Statement[0]).toMatchObject({
        Principal: { Service: "backup.amazonaws.com" },
      });
      const attached = Object.values(resources(prod, "aws_iam_role_policy_attachment")).map(
        (a) => a.policy_arn,
      );
      expect(attached).toEqual([...BACKUP_SERVICE_POLICIES]);
      const keys = policy(
        Object.values(resources(prod, "aws_iam_role_policy")).find((p) => p.name === "use-environment-keys")!
          .policy,
      ).Statement;
      for (const statement of keys) expect(statement.Resource).toHaveLength(2);
      expect(keys[1]).toMatchObject({
        Action: "kms:CreateGrant",
        Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
      });
    });

    it("pages when a backup or a copy job fails, pointing to the runbook", () => {
      const alarms = Object.values(resources(prod, "aws_cloudwatch_metric_alarm")).filter(
        (a) => a.namespace === "AWS/Backup",
      );
      expect(alarms.map((a) => a.metric_name)).toEqual([
        "NumberOfBackupJobsFailed",
        "NumberOfCopyJobsFailed",
      ]);
      for (const alarm of alarms) {
        expect(alarm.dimensions).toEqual({ BackupVaultName: "myblog-prod-backup" });
        expect(alarm.alarm_description).toMatch(/docs\/operations\.md#aws-backup/);
      }
    });
  });

  it("lets a development environment's teardown delete its recovery points", () => {
    const dev = synthApp({ environments: { dev: { backup: { plan: true } } } }).stack("myblog-dev-data");
    expect(only(dev, "aws_backup_vault").force_destroy).toBe(true);
  });
});
