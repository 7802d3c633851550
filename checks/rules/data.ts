/** Data stores: RDS, ElastiCache, DynamoDB. Rules marked "in prod" read the stack's `stack_facts.production`. */
import { asNumber, isTrue, type Resource } from "../model";
import { NOT_APPLICABLE, resourceRule, type CheckResult, type RuleContext } from "../rule";

const DB = ["aws_db_instance"];
const REDIS = ["aws_elasticache_replication_group"];
const TABLE = ["aws_dynamodb_table"];

/** Applies `check` only to stacks whose facts say production. */
const inProduction =
  (check: (r: Resource, ctx: RuleContext) => CheckResult) =>
  (r: Resource, ctx: RuleContext): CheckResult =>
    ctx.stack.facts.production ? check(r, ctx) : NOT_APPLICABLE;

export const dataRules = [
  resourceRule({
    id: "FSBP_RDS.11",
    title: "RDS keeps automatic backups for at least 7 days",
    description: "Backups are off or kept for less than a week, too short to notice and undo a bad change.",
    remediation: "Set backup_retention_period to 7 or more (config: database.backupRetentionDays).",
    beyondCheckov: {
      check: "CKV_AWS_133",
      why: "Checkov's backup check passes any retention from one day up; the control asks for seven, long enough to notice a bad change and restore from before it.",
    },
    types: DB,
    check(db) {
      const days = asNumber(db.body.backup_retention_period);
      return days !== undefined && days >= 7
        ? undefined
        : `backup_retention_period is ${String(days ?? "unset")} (needs ≥ 7)`;
    },
  }),
  resourceRule({
    id: "FSBP_ElastiCache.1",
    title: "ElastiCache keeps automatic snapshots",
    description: "No automatic backup: a failure or a bad flush loses the cache contents.",
    remediation: "Set snapshot_retention_limit ≥ 1 (config: cache.snapshotRetentionDays).",
    beyondCheckov: {
      check: "CKV_AWS_134",
      why: "Checkov's automatic-backup check looks at aws_elasticache_cluster only; the cache here is a replication group (and may be serverless), which it does not judge.",
    },
    types: [...REDIS, "aws_elasticache_serverless_cache"],
    check(g) {
      const days = asNumber(g.body.snapshot_retention_limit);
      return days !== undefined && days >= 1
        ? undefined
        : `snapshot_retention_limit is ${String(days ?? "unset")} (needs ≥ 1)`;
    },
  }),
  resourceRule({
    id: "FSBP_DynamoDB.6",
    title: "DynamoDB table has deletion protection in production",
    description: "A production table can be deleted by one mistaken apply or destroy.",
    remediation:
      "Set deletion_protection_enabled = true for production environments (config: dynamodb.deletionProtection).",
    types: TABLE,
    check: inProduction((t) =>
      isTrue(t.body.deletion_protection_enabled)
        ? undefined
        : "deletion_protection_enabled is not true in a production stack",
    ),
  }),
];
