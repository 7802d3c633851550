/** Data stores: RDS, ElastiCache, DynamoDB. Rules marked "in prod" read the stack's `stack_facts.production`. */
import { asNumber, block, blocks, isSet, isTrue, type Resource } from "../model";
import { NOT_APPLICABLE, resourceRule, type CheckResult, type RuleContext } from "../rule";

const DB = ["aws_db_instance"];
const REDIS = ["aws_elasticache_replication_group"];
const TABLE = ["aws_dynamodb_table"];

/** Applies `check` only to stacks whose facts say production. */
const inProduction =
  (check: (r: Resource, ctx: RuleContext) => CheckResult) =>
  (r: Resource, ctx: RuleContext): CheckResult =>
    ctx.stack.facts.production ? check(r, ctx) : NOT_APPLICABLE;

/** Parameters that force TLS, per engine family. */
function forcesSsl(engine: string, parameters: Record<string, string>): boolean {
  if (/postgres|sqlserver/.test(engine)) return parameters["rds.force_ssl"] === "1";
  if (/mysql|mariadb/.test(engine))
    return ["1", "on"].includes((parameters.require_secure_transport ?? "").toLowerCase());
  return false;
}

export const dataRules = [
  resourceRule({
    id: "CKV_AWS_16",
    title: "RDS storage is encrypted",
    description: "The database storage, its snapshots and backups are not encrypted at rest.",
    remediation: "Set storage_encrypted = true and kms_key_id = the customer-managed key.",
    types: DB,
    check: (db) => (isTrue(db.body.storage_encrypted) ? undefined : "storage_encrypted is not true"),
  }),
  resourceRule({
    id: "CKV_AWS_17",
    title: "RDS instance is not publicly accessible",
    description: "The instance gets a public IP and DNS name reachable from the internet.",
    remediation: "Set publicly_accessible = false and place it in isolated subnets.",
    types: DB,
    check: (db) => (isTrue(db.body.publicly_accessible) ? "publicly_accessible is true" : undefined),
  }),
  resourceRule({
    id: "CKV_AWS_157",
    title: "RDS is multi-AZ in production",
    description: "A production database in one AZ goes down with that AZ and during maintenance.",
    remediation: "Set multi_az = true for production environments (config: database.multiAz).",
    types: DB,
    check: inProduction((db) =>
      isTrue(db.body.multi_az) ? undefined : "multi_az is not true in a production stack",
    ),
  }),
  resourceRule({
    id: "FSBP_RDS.11",
    title: "RDS keeps automatic backups for at least 7 days",
    description: "Backups are off or kept for less than a week, too short to notice and undo a bad change.",
    remediation: "Set backup_retention_period to 7 or more (config: database.backupRetentionDays).",
    types: DB,
    check(db) {
      const days = asNumber(db.body.backup_retention_period);
      return days !== undefined && days >= 7
        ? undefined
        : `backup_retention_period is ${String(days ?? "unset")} (needs ≥ 7)`;
    },
  }),
  resourceRule({
    id: "CKV_AWS_293",
    title: "RDS has deletion protection in production",
    description: "A production database can be deleted by one mistaken apply or destroy.",
    remediation:
      "Set deletion_protection = true for production environments (config: database.deletionProtection).",
    types: DB,
    check: inProduction((db) =>
      isTrue(db.body.deletion_protection)
        ? undefined
        : "deletion_protection is not true in a production stack",
    ),
  }),
  resourceRule({
    id: "CKV_AWS_161",
    title: "RDS uses IAM database authentication",
    description: "Applications must hold a long-lived database password instead of a short-lived IAM token.",
    remediation:
      "Set iam_database_authentication_enabled = true and connect with @aws-sdk/rds-signer tokens.",
    types: DB,
    check: (db) =>
      isTrue(db.body.iam_database_authentication_enabled)
        ? undefined
        : "iam_database_authentication_enabled is not true",
  }),
  resourceRule({
    id: "CKV_AWS_353",
    title: "RDS has Performance Insights",
    description: "Without Performance Insights slow queries and load cannot be diagnosed after the fact.",
    remediation: "Set performance_insights_enabled = true (with performance_insights_kms_key_id).",
    types: DB,
    check: (db) =>
      isTrue(db.body.performance_insights_enabled) ? undefined : "performance_insights_enabled is not true",
  }),
  resourceRule({
    id: "CKV_AWS_129",
    title: "RDS exports its logs to CloudWatch",
    description: "Database logs stay on the instance and are lost with it.",
    remediation:
      'Set enabled_cloudwatch_logs_exports (PostgreSQL: ["postgresql", "upgrade"]) and create the log groups with retention.',
    types: DB,
    check: (db) =>
      isSet(db.body.enabled_cloudwatch_logs_exports) ? undefined : "enabled_cloudwatch_logs_exports is empty",
  }),
  resourceRule({
    id: "CKV_AWS_354",
    title: "RDS Performance Insights are encrypted with a customer-managed key",
    description: "Performance Insights data (query texts included) is encrypted with the AWS-managed key.",
    remediation: "Set performance_insights_kms_key_id to the customer-managed key.",
    types: DB,
    check: (db) =>
      !isTrue(db.body.performance_insights_enabled)
        ? NOT_APPLICABLE
        : isSet(db.body.performance_insights_kms_key_id)
          ? undefined
          : "performance_insights_kms_key_id is not set",
  }),
  resourceRule({
    id: "CKV_AWS_226",
    title: "RDS applies minor engine upgrades automatically",
    description: "Security patches of the engine wait for someone to apply them by hand.",
    remediation: "Keep auto_minor_version_upgrade = true (the default); pin only the major version.",
    types: DB,
    check: (db) =>
      db.body.auto_minor_version_upgrade === false || db.body.auto_minor_version_upgrade === "false"
        ? "auto_minor_version_upgrade is false"
        : undefined,
  }),
  resourceRule({
    id: "CKV2_AWS_60",
    title: "RDS copies tags to snapshots",
    description: "Snapshots lose the app/env/layer tags, so their cost and ownership cannot be attributed.",
    remediation: "Set copy_tags_to_snapshot = true.",
    types: DB,
    check: (db) => (isTrue(db.body.copy_tags_to_snapshot) ? undefined : "copy_tags_to_snapshot is not true"),
  }),
  resourceRule({
    id: "CKV2_AWS_69",
    title: "RDS forces TLS through its parameter group",
    description: "Clients may connect without TLS, so credentials and data cross the network in clear text.",
    remediation:
      'Attach an aws_db_parameter_group with parameter { name = "rds.force_ssl", value = "1" } (MySQL: require_secure_transport = 1).',
    types: DB,
    check(db, ctx) {
      const groups = ctx.model
        .referencedBy(db.stack, db.body.parameter_group_name)
        .filter((r) => r.type === "aws_db_parameter_group");
      if (groups.length === 0)
        return "no aws_db_parameter_group of the app is attached (the default group does not force TLS)";
      const parameters = Object.fromEntries(
        blocks(groups[0].body.parameter).map((p) => [String(p.name), String(p.value)]),
      );
      const engine = String(db.body.engine ?? groups[0].body.family ?? "");
      return forcesSsl(engine, parameters)
        ? undefined
        : `parameter group ${groups[0].address} does not force TLS for ${engine}`;
    },
  }),
  resourceRule({
    id: "CKV_AWS_29",
    title: "ElastiCache encrypts data at rest",
    description: "Cache data and snapshots are not encrypted at rest.",
    remediation: "Set at_rest_encryption_enabled = true and kms_key_id.",
    types: REDIS,
    check: (g) =>
      isTrue(g.body.at_rest_encryption_enabled) ? undefined : "at_rest_encryption_enabled is not true",
  }),
  resourceRule({
    id: "CKV_AWS_30",
    title: "ElastiCache encrypts data in transit",
    description: "Clients talk to the cache in clear text.",
    remediation: 'Set transit_encryption_enabled = true (transit_encryption_mode = "required").',
    types: REDIS,
    check(g) {
      if (!isTrue(g.body.transit_encryption_enabled)) return "transit_encryption_enabled is not true";
      return g.body.transit_encryption_mode === "preferred"
        ? 'transit_encryption_mode is "preferred", so plain connections still work'
        : undefined;
    },
  }),
  resourceRule({
    id: "CKV_AWS_31",
    title: "ElastiCache requires authentication without a token in the configuration",
    description:
      "Anyone who reaches the cache can use it, or the AUTH token sits in the configuration and the Terraform state.",
    remediation:
      'Use RBAC: user_group_ids with aws_elasticache_user authentication_mode { type = "iam" } (and a no-access "default" user); do not set auth_token.',
    types: REDIS,
    check(g) {
      if (isSet(g.body.auth_token)) return "auth_token is set: the token is stored in the state";
      return isSet(g.body.user_group_ids) ? undefined : "has neither user_group_ids nor any authentication";
    },
  }),
  resourceRule({
    id: "CKV2_AWS_50",
    title: "ElastiCache fails over automatically in production",
    description: "When the primary node fails in production, the cache stays down until someone intervenes.",
    remediation:
      "Run ≥ 2 nodes with automatic_failover_enabled = true and multi_az_enabled = true (config: cache.nodeCount, cache.multiAz).",
    types: REDIS,
    check: inProduction((g) =>
      isTrue(g.body.automatic_failover_enabled)
        ? undefined
        : "automatic_failover_enabled is not true in a production stack",
    ),
  }),
  resourceRule({
    id: "CKV_AWS_191",
    title: "ElastiCache is encrypted with a customer-managed key",
    description: "Data at rest is encrypted with the AWS-managed key, which no key policy of ours governs.",
    remediation: "Set kms_key_id to the customer-managed key (with at_rest_encryption_enabled).",
    types: REDIS,
    check: (g) => (isSet(g.body.kms_key_id) ? undefined : "kms_key_id is not set"),
  }),
  resourceRule({
    id: "FSBP_ElastiCache.1",
    title: "ElastiCache keeps automatic snapshots",
    description: "No automatic backup: a failure or a bad flush loses the cache contents.",
    remediation: "Set snapshot_retention_limit ≥ 1 (config: cache.snapshotRetentionDays).",
    types: [...REDIS, "aws_elasticache_serverless_cache"],
    check(g) {
      const days = asNumber(g.body.snapshot_retention_limit);
      return days !== undefined && days >= 1
        ? undefined
        : `snapshot_retention_limit is ${String(days ?? "unset")} (needs ≥ 1)`;
    },
  }),
  resourceRule({
    id: "CKV_AWS_28",
    title: "DynamoDB table has point-in-time recovery",
    description: "Without PITR a bad write or delete cannot be undone.",
    remediation: "Set point_in_time_recovery { enabled = true }.",
    types: TABLE,
    check: (t) =>
      isTrue(block(t.body.point_in_time_recovery)?.enabled)
        ? undefined
        : "point_in_time_recovery is not enabled",
  }),
  resourceRule({
    id: "CKV_AWS_119",
    title: "DynamoDB table is encrypted with a customer-managed KMS key",
    description: "The table uses the AWS-owned or AWS-managed key, which no key policy of ours governs.",
    remediation: "Set server_side_encryption { enabled = true, kms_key_arn = <customer-managed key> }.",
    types: TABLE,
    check(t) {
      const sse = block(t.body.server_side_encryption);
      if (!isTrue(sse?.enabled)) return "server_side_encryption is not enabled (AWS-owned key)";
      return isSet(sse?.kms_key_arn)
        ? undefined
        : "server_side_encryption has no kms_key_arn (AWS-managed aws/dynamodb key)";
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
