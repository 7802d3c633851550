/**
 * The blog's PostgreSQL: an RDS instance in isolated subnets (TLS only, IAM authentication, RDS-managed master
 * password, encrypted storage, logs and Performance Insights), its parameter group and log groups, its CPU, storage
 * and connection alarms, and with `database.proxy` the RDS Proxy clients connect through (lib/database-proxy.ts).
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { connectionsAlarmThreshold, PROXY_MAX_CONNECTIONS_PERCENT } from "../config/database-connections";
import type { EnvironmentConfig } from "../config/schema";
import { keepAddresses } from "./addressing";
import { opsAlarm } from "./alarms";
import { DatabaseProxy } from "./database-proxy";
import { acceptRetentionBelowAYear } from "./log-retention";
import type { Names } from "./naming";
import { StackContext } from "./stack-context";
import { deletionProtected } from "./teardown";

/** How clients reach the database: what the data layer hands on (stacks/outputs.ts). */
export interface PostgresConnection {
  readonly address: string;
  readonly port: string;
  readonly name: string;
  /** RDS-managed master secret in Secrets Manager (only the migration function reads it). */
  readonly masterSecretArn: string;
  /** `dbi-resource-id`, for `rds-db:connect` permissions. */
  readonly resourceId: string;
  /**
   * `database.proxy`: the RDS Proxy the API connects through instead of the instance (IAM, TLS), with its
   * `prx-…` id for the API's `rds-db:connect`. The migration function always connects to the instance.
   */
  readonly proxy?: { readonly endpoint: string; readonly resourceId: string };
}

export interface PostgresDatabaseProps {
  readonly names: Names;
  readonly region: string;
  /** Read only for the proxy's role: reading the account id adds a data source to the stack. */
  readonly accountId: () => string;
  /** `environments.<env>.database`; its `proxy` switch is the `proxy` prop below. */
  readonly settings: Omit<EnvironmentConfig["database"], "proxy">;
  /** Production keeps a final snapshot and applies changes in the maintenance window. */
  readonly production: boolean;
  /** Days the PostgreSQL and proxy logs are kept (`logRetentionDays`). */
  readonly logRetentionDays: number;
  readonly kmsKeyArn: string;
  readonly opsTopicArn: string;
  /** Isolated subnets of the instance and the proxy. */
  readonly subnetIds: string[];
  /** The instance's security group. */
  readonly securityGroupId: string;
  /**
   * An RDS Proxy in front of the instance (`database.proxy`): its security group, and the PostgreSQL roles that sign
   * in through it (each granted `rds_iam`), the only ones granted to it. @default none
   */
  readonly proxy?: { readonly securityGroupId: string; readonly users: readonly string[] };
}

/** Log types the instance exports to CloudWatch Logs. */
const EXPORTED_LOGS = ["postgresql", "upgrade"];

export class PostgresDatabase extends Construct {
  public readonly instance: DbInstance;
  /** With `database.proxy`. */
  public readonly proxy?: DatabaseProxy;
  public readonly connection: PostgresConnection;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    // The data stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names, settings: db, production } = props;
    const deletionProtection = deletionProtected(db.deletionProtection, StackContext.of(this).env);
    const identifier = names.resource("postgres", 63);
    const major = db.engineVersion.split(".")[0];
    const subnets = new DbSubnetGroup(this, "db-subnets", {
      name: names.resource("db"),
      subnetIds: props.subnetIds,
    });
    const parameters = new DbParameterGroup(this, "db-parameters", {
      name: names.resource(`postgres${major}`, 255),
      family: `postgres${major}`,
      description: "TLS only, slow-query and connection logging",
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: "500" },
        { name: "log_connections", value: "1" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });
    // RDS writes exported logs into these groups; creating them first sets retention and encryption.
    for (const log of EXPORTED_LOGS) {
      const group = new CloudwatchLogGroup(this, `db-${log}-logs`, {
        name: `/aws/rds/instance/${identifier}/${log}`,
        retentionInDays: props.logRetentionDays,
        kmsKeyId: props.kmsKeyArn,
      });
      acceptRetentionBelowAYear(group, props.logRetentionDays, "logRetentionDays");
    }
    const instance = new DbInstance(this, "postgres", {
      identifier,
      engine: "postgres",
      engineVersion: db.engineVersion,
      instanceClass: db.instanceClass,
      dbName: db.databaseName,
      username: "blog_admin",
      // RDS keeps the master password in Secrets Manager: it never appears in configuration or state.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      allocatedStorage: db.allocatedStorageGb,
      maxAllocatedStorage: db.maxAllocatedStorageGb,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: db.multiAz,
      backupRetentionPeriod: db.backupRetentionDays,
      copyTagsToSnapshot: true,
      deletionProtection,
      skipFinalSnapshot: !production,
      // Unique per instance, so that a second teardown (of an environment created again) never collides with the
      // first one's snapshot: Terraform stamps the time the instance is created, and keeps that name afterwards
      // (ignore_changes), so no plan shows a diff; the destroy takes the snapshot under the name in the state.
      finalSnapshotIdentifier: production
        ? `${identifier}-final-${Fn.formatdate("YYYYMMDD-hhmmss", Fn.timestamp())}`
        : undefined,
      lifecycle: production ? { ignoreChanges: ["final_snapshot_identifier"] } : undefined,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.kmsKeyArn,
      performanceInsightsRetentionPeriod: db.performanceInsightsRetentionDays,
      enabledCloudwatchLogsExports: EXPORTED_LOGS,
      // On (the default): engineVersion is the major and the provider keeps it while AWS upgrades the minor
      // (engine_version_actual). Off only with a pinned minor (config/schema.ts refuses the other combination).
      autoMinorVersionUpgrade: db.autoMinorVersionUpgrade,
      // Explicit, so that AWS's default CA for new instances never shows as a change; valid until 2061.
      caCertIdentifier: "rds-ca-rsa2048-g1",
      applyImmediately: !production,
    });
    if (!db.multiAz)
      suppress(instance, "CKV_AWS_157", "Single-AZ by configuration (database.multiAz) in this environment");
    if (!deletionProtection)
      suppress(
        instance,
        "CKV_AWS_293",
        "Deletion protection off by configuration (database.deletionProtection, or teardown)",
      );
    suppress(
      instance,
      "CKV_AWS_118",
      "Performance Insights (load, waits, top SQL) and the CPU/storage alarms cover it; enhanced monitoring would write OS metrics into an RDSOSMetrics log group RDS creates outside this configuration",
    );
    this.instance = instance;
    this.alarms(props);

    if (props.proxy) {
      this.proxy = new DatabaseProxy(this, "db-proxy", {
        name: names.resource("db-proxy", 60),
        roleName: names.global("db-proxy"),
        region: props.region,
        accountId: props.accountId(),
        instance: { identifier: instance.identifier, resourceId: instance.resourceId },
        users: props.proxy.users,
        subnetIds: props.subnetIds,
        securityGroupId: props.proxy.securityGroupId,
        maxConnectionsPercent: PROXY_MAX_CONNECTIONS_PERCENT,
        logRetentionDays: props.logRetentionDays,
        kmsKeyArn: props.kmsKeyArn,
      });
    }
    this.connection = {
      address: instance.address,
      port: instance.port.toString(),
      name: db.databaseName,
      masterSecretArn: instance.masterUserSecret.get(0).secretArn,
      resourceId: instance.resourceId,
      proxy: this.proxy && { endpoint: this.proxy.endpoint, resourceId: this.proxy.resourceId },
    };
  }

  private alarms({ names, settings: db, opsTopicArn }: PostgresDatabaseProps): void {
    const dimensions = { DBInstanceIdentifier: this.instance.identifier };
    opsAlarm(this, "db-cpu", {
      alarmName: names.resource("db-cpu"),
      description: "PostgreSQL CPU above 80% for 15 minutes",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions,
      statistic: "Average",
      threshold: 80,
      evaluationPeriods: 3,
      opsTopicArn,
    });
    opsAlarm(this, "db-storage", {
      alarmName: names.resource("db-free-storage"),
      description: "PostgreSQL free storage below 2 GiB",
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      dimensions,
      statistic: "Minimum",
      threshold: 2 * 1024 ** 3,
      comparison: "LessThanThreshold",
      opsTopicArn,
    });
    const connections = connectionsAlarmThreshold(db);
    opsAlarm(this, "db-connections", {
      alarmName: names.resource("db-connections"),
      description: `PostgreSQL connections at or above ${connections} (70% of ${db.instanceClass}'s default max_connections, or database.connectionsAlarmThreshold) for 10 minutes`,
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions,
      statistic: "Maximum",
      threshold: connections,
      evaluationPeriods: 2,
      opsTopicArn,
    });
  }
}
