/**
 * The optional AWS Backup plan (`backup.plan`): a daily recovery point of the database, the DynamoDB tables and the
 * uploads and media buckets in a vault encrypted with the environment's key, kept `backup.retentionDays`, optionally
 * copied to a vault of `backup.copyRegion` (its own key there: the environment's key is single-region). The stores'
 * own backups (RDS automated backups, DynamoDB point-in-time recovery, S3 versions) stay on either way; the plan adds
 * longer retention and a copy outside the region. What restores from what: docs/operations.md.
 */
import { BackupPlan as AwsBackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { opsAlarm } from "./alarms";
import { assumeRolePolicy, policyDocument } from "./iam";
import type { Names } from "./naming";
import { keyInRegion } from "./replica-keys";
import { StackContext } from "./stack-context";
import { deletesDataOnDestroy } from "./teardown";

/**
 * AWS's managed policies for AWS Backup's service role, as its developer guide prescribes for a custom role
 * ("Creating a custom role"): what a backup and a restore of each resource type calls changes with the services, so
 * AWS keeps these lists rather than each account.
 */
export const BACKUP_SERVICE_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
] as const;

export interface BackupPlanProps {
  readonly names: Names;
  readonly settings: EnvironmentConfig["backup"];
  /** Production keeps its vault when it holds recovery points; elsewhere a teardown empties it. */
  readonly production: boolean;
  readonly kmsKeyArn: string;
  readonly opsTopicArn: string;
  /** ARNs of what the plan backs up. */
  readonly resources: readonly string[];
  /** Read only with a copy region (the copy key's policy names the account). */
  readonly accountId: () => string;
  readonly providerIn: (region: string) => AwsProvider;
}

export class BackupPlan extends Construct {
  readonly vault: BackupVault;
  /** The copy region's vault, with `backup.copyRegion`. */
  readonly copyVault?: BackupVault;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    const { names, settings } = props;
    const vaultName = names.resource("backup", 50);
    this.vault = new BackupVault(this, "vault", {
      name: vaultName,
      kmsKeyArn: props.kmsKeyArn,
      // Terraform cannot delete a vault that holds recovery points; a dev teardown deletes them with it.
      forceDestroy: deletesDataOnDestroy(StackContext.of(this).env),
    });

    const keyArns = [props.kmsKeyArn];
    if (settings.copyRegion) {
      const provider = props.providerIn(settings.copyRegion);
      const copyKeyArn = keyInRegion(this, "copy-key", {
        provider,
        description: `${names.resource("backup")}: recovery point copies in ${settings.copyRegion}`,
        // In another region: with the app's region, as a deployment of the app there has a vault of its own.
        alias: names.global("backup-copies"),
        production: props.production,
        accountId: props.accountId(),
      });
      keyArns.push(copyKeyArn);
      this.copyVault = new BackupVault(this, "copy-vault", {
        provider,
        name: names.global("backup", 50),
        kmsKeyArn: copyKeyArn,
        forceDestroy: deletesDataOnDestroy(StackContext.of(this).env),
      });
    }

    const role = new IamRole(this, "role", {
      name: names.global("backup"),
      description: "AWS Backup: backs up and restores this environment's data stores",
      assumeRolePolicy: assumeRolePolicy("backup.amazonaws.com"),
    });
    BACKUP_SERVICE_POLICIES.forEach(
      (policyArn, i) => new IamRolePolicyAttachment(this, `role-policy-${i}`, { role: role.name, policyArn }),
    );
    // The managed policies leave customer-managed keys to the key owner: AWS Backup encrypts the DynamoDB and S3
    // recovery points with the vault's key and grants the services use of it.
    new IamRolePolicy(this, "role-keys", {
      name: "use-environment-keys",
      role: role.id,
      policy: policyDocument([
        {
          Sid: "EncryptRecoveryPoints",
          Effect: "Allow",
          Action: [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:GenerateDataKey",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
          ],
          Resource: keyArns,
        },
        {
          Sid: "GrantKeysToBackedUpServices",
          Effect: "Allow",
          Action: "kms:CreateGrant",
          Resource: keyArns,
          Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
        },
      ]),
    });

    const lifecycle = { deleteAfter: settings.retentionDays };
    const plan = new AwsBackupPlan(this, "plan", {
      name: names.resource("backup"),
      rule: [
        {
          ruleName: "daily",
          targetVaultName: this.vault.name,
          schedule: settings.schedule,
          // Start within an hour of the schedule, finish within a day (AWS's defaults are 8 h and 7 days).
          startWindow: 60,
          completionWindow: 1440,
          lifecycle,
          copyAction: this.copyVault ? [{ destinationVaultArn: this.copyVault.arn, lifecycle }] : undefined,
        },
      ],
    });
    new BackupSelection(this, "selection", {
      name: names.resource("data", 50),
      planId: plan.id,
      iamRoleArn: role.arn,
      resources: [...props.resources],
    });

    // AWS Backup publishes job counts per vault (namespace AWS/Backup, dimension BackupVaultName).
    for (const [metric, what] of [
      ["NumberOfBackupJobsFailed", "backup"],
      ...(this.copyVault ? [["NumberOfCopyJobsFailed", "copy"]] : []),
    ] as const) {
      opsAlarm(this, `${what}-failed`, {
        alarmName: names.resource(`backup-${what}-failed`),
        description: `An AWS Backup ${what} job of ${vaultName} failed`,
        namespace: "AWS/Backup",
        metricName: metric,
        dimensions: { BackupVaultName: vaultName },
        threshold: 1,
        period: 3600,
        opsTopicArn: props.opsTopicArn,
      });
    }
  }
}
