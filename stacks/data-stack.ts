/**
 * Data layer: PostgreSQL (posts, comments), Redis/Valkey (read cache), DynamoDB (subscribers, counters,
 * photo status, idempotency) and the uploads and media buckets. Everything encrypted with the network
 * layer's key; nothing reachable from outside the VPC; no secret in configuration or state.
 */
import { DRAFTS_PREFIX } from "../shared/author-folders";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import type { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { PROXY_MAX_CONNECTIONS_PERCENT } from "../config/database-connections";
import type { EnvironmentConfig } from "../config/schema";
import { opsAlarm } from "../lib/alarms";
import { BackupPlan } from "../lib/backup-plan";
import { API_DB_USER } from "../lib/database-users";
import { DatabaseProxy } from "../lib/database-proxy";
import { acceptRetentionBelowAYear } from "../lib/log-retention";
import { connectionsAlarmThreshold } from "../config/database-connections";
import type { NetworkAccess } from "../lib/security-groups";
import { SecureBucket } from "../lib/secure-bucket";
import { replicaKeys } from "../lib/replica-keys";
import { appTable, type AppTableProps } from "../lib/table";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import type { DataOutputs, NetworkOutputs, TableRef } from "./outputs";

export interface DataStackProps extends BlogStackProps {
  readonly network: Pick<
    NetworkOutputs,
    "isolatedSubnetIds" | "kmsKeyArn" | "accessLogBucketName" | "opsTopicArn" | "securityGroupId"
  >;
}
type Network = DataStackProps["network"];

/** The proxy's security group in the flow table; the API's flow names it. */
export const DATABASE_PROXY_GROUP = "database-proxy";

/**
 * This layer's servers in the VPC; their clients declare the flows that reach them in their own layer. With
 * `database.proxy` the RDS Proxy is one of them, and a client of the database.
 */
export function dataNetworkAccess(database: Pick<EnvironmentConfig["database"], "proxy">): NetworkAccess {
  return {
    groups: {
      database: { description: "PostgreSQL: reachable from the API and migration functions only" },
      cache: { description: "Redis: reachable from the API function only" },
      ...(database.proxy && {
        [DATABASE_PROXY_GROUP]: { description: "RDS Proxy: reachable from the API function only" },
      }),
    },
    flows: database.proxy
      ? [{ from: DATABASE_PROXY_GROUP, to: "database", port: 5432, description: "RDS Proxy to PostgreSQL" }]
      : [],
  };
}

/** The PostgreSQL role the API connects as; defined in lib/ for the local environment too. */
export { API_DB_USER };

export class DataStack extends BlogStack implements DataOutputs {
  public readonly database: DataOutputs["database"];
  public readonly cache: DataOutputs["cache"];
  public readonly subscribersTable: TableRef;
  public readonly subscribersStreamArn: string;
  public readonly countersTable: TableRef;
  public readonly photosTable: TableRef;
  public readonly idempotencyTable: TableRef;
  public readonly uploadsBucket: TableRef;
  public readonly mediaBucket: DataOutputs["mediaBucket"];
  private readonly kmsKeyArn: string;
  public readonly replicaKeyArns: DataOutputs["replicaKeyArns"];
  private readonly opsTopicArn: string;
  private databaseArn = "";

  constructor(scope: Construct, props: DataStackProps) {
    super(scope, "data", props);
    const { network } = props;
    this.kmsKeyArn = network.kmsKeyArn;
    this.opsTopicArn = network.opsTopicArn;
    this.replicaKeyArns = replicaKeys(this, {
      names: this.names,
      regions: this.env.dynamodb.replicaRegions,
      accountId: () => this.accountId,
      production: this.env.production,
      providerIn: (region) => this.providerIn(region),
    });

    this.database = this.createDatabase(network);
    this.cache = this.createCache(network);

    const subscribers = this.table("subscribers", { hashKey: "email", stream: true });
    this.subscribersTable = { name: subscribers.name, arn: subscribers.arn };
    this.subscribersStreamArn = subscribers.streamArn;
    const counters = this.table("counters", { hashKey: "pk", rangeKey: "sk" });
    this.countersTable = { name: counters.name, arn: counters.arn };
    const photos = this.table("photos", { hashKey: "key" });
    this.photosTable = { name: photos.name, arn: photos.arn };
    const idempotency = this.table("idempotency", { hashKey: "id", ttlAttribute: "expiration" });
    this.idempotencyTable = { name: idempotency.name, arn: idempotency.arn };

    const uploads = this.createUploadsBucket(network);
    suppress(
      uploads.bucket,
      "CKV_AWS_144",
      "Raw uploads are transient (they expire after storage.rawUploadExpirationDays) and the app runs in one region",
    );
    suppress(
      uploads.bucket,
      "CKV2_AWS_62",
      "Its upload notification to SNS is in the events stack; Checkov scans each stack file alone and does not see it",
    );
    this.uploadsBucket = { name: uploads.name, arn: uploads.arn };
    const media = this.createMediaBucket(network);
    suppress(
      media.bucket,
      "CKV_AWS_144",
      "Thumbnails served from the app's one region; versioning keeps overwritten ones, a replica would have no origin to serve it",
    );
    suppress(
      media.bucket,
      "CKV2_AWS_62",
      "Nothing reacts to new thumbnails: CloudFront serves them as they are",
    );
    this.mediaBucket = {
      name: media.name,
      arn: media.arn,
      regionalDomainName: media.bucket.bucketRegionalDomainName,
    };

    if (this.env.backup.plan)
      new BackupPlan(this, "backup", {
        names: this.names,
        settings: this.env.backup,
        production: this.env.production,
        kmsKeyArn: network.kmsKeyArn,
        opsTopicArn: network.opsTopicArn,
        // Idempotency records expire within hours: not kept. Thumbnails are: raw uploads expire, so they cannot be redone.
        resources: [this.databaseArn, subscribers.arn, counters.arn, photos.arn, uploads.arn, media.arn],
        accountId: () => this.accountId,
        providerIn: (region) => this.providerIn(region),
      });

    this.output("db_endpoint", this.database.address, "PostgreSQL endpoint (private)");
    this.output(
      "db_master_secret_arn",
      this.database.masterSecretArn,
      "Secrets Manager secret of the RDS-managed master password",
    );
    this.output("cache_endpoint", this.cache.address, "Redis/Valkey primary endpoint (TLS, IAM auth)");

    this.output("uploads_bucket", this.uploadsBucket.name, "Bucket receiving photo uploads");
    this.output("media_bucket", this.mediaBucket.name, "Bucket holding thumbnails served under /media/*");
    this.output("subscribers_table", this.subscribersTable.name, "DynamoDB table of subscribers");
  }

  private createDatabase(network: Network) {
    const db = this.env.database;
    const id = this.names.resource("postgres", 63);
    const major = db.engineVersion.split(".")[0];
    const subnets = new DbSubnetGroup(this, "db-subnets", {
      name: this.names.resource("db"),
      subnetIds: network.isolatedSubnetIds,
    });
    const parameters = new DbParameterGroup(this, "db-parameters", {
      name: this.names.resource(`postgres${major}`, 255),
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
    for (const log of ["postgresql", "upgrade"]) {
      const group = new CloudwatchLogGroup(this, `db-${log}-logs`, {
        name: `/aws/rds/instance/${id}/${log}`,
        retentionInDays: this.env.logRetentionDays,
        kmsKeyId: network.kmsKeyArn,
      });
      acceptRetentionBelowAYear(group, this.env.logRetentionDays, "logRetentionDays");
    }
    const instance = new DbInstance(this, "postgres", {
      identifier: id,
      engine: "postgres",
      engineVersion: db.engineVersion,
      instanceClass: db.instanceClass,
      dbName: db.databaseName,
      username: "blog_admin",
      // RDS keeps the master password in Secrets Manager: it never appears in configuration or state.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: network.kmsKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      allocatedStorage: db.allocatedStorageGb,
      maxAllocatedStorage: db.maxAllocatedStorageGb,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: network.kmsKeyArn,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [network.securityGroupId("database")],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: db.multiAz,
      backupRetentionPeriod: db.backupRetentionDays,
      copyTagsToSnapshot: true,
      deletionProtection: db.deletionProtection,
      skipFinalSnapshot: !this.env.production,
      finalSnapshotIdentifier: this.env.production ? `${id}-final` : undefined,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: network.kmsKeyArn,
      performanceInsightsRetentionPeriod: db.performanceInsightsRetentionDays,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      // On (the default): engineVersion is the major and the provider keeps it while AWS upgrades the minor
      // (engine_version_actual). Off only with a pinned minor (config/schema.ts refuses the other combination).
      autoMinorVersionUpgrade: db.autoMinorVersionUpgrade,
      // Explicit, so that AWS's default CA for new instances never shows as a change; valid until 2061.
      caCertIdentifier: "rds-ca-rsa2048-g1",
      applyImmediately: !this.env.production,
    });
    this.databaseArn = instance.arn;
    if (!db.multiAz)
      suppress(instance, "CKV_AWS_157", "Single-AZ by configuration (database.multiAz) in this environment");
    if (!db.deletionProtection)
      suppress(
        instance,
        "CKV_AWS_293",
        "Deletion protection off by configuration (database.deletionProtection)",
      );
    suppress(
      instance,
      "CKV_AWS_118",
      "Performance Insights (load, waits, top SQL) and the CPU/storage alarms cover it; enhanced monitoring would write OS metrics into an RDSOSMetrics log group RDS creates outside this configuration",
    );

    opsAlarm(this, "db-cpu", {
      alarmName: this.names.resource("db-cpu"),
      description: "PostgreSQL CPU above 80% for 15 minutes",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: { DBInstanceIdentifier: instance.identifier },
      statistic: "Average",
      threshold: 80,
      evaluationPeriods: 3,
      opsTopicArn: network.opsTopicArn,
    });
    opsAlarm(this, "db-storage", {
      alarmName: this.names.resource("db-free-storage"),
      description: "PostgreSQL free storage below 2 GiB",
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      dimensions: { DBInstanceIdentifier: instance.identifier },
      statistic: "Minimum",
      threshold: 2 * 1024 ** 3,
      comparison: "LessThanThreshold",
      opsTopicArn: network.opsTopicArn,
    });
    const connections = connectionsAlarmThreshold(db);
    opsAlarm(this, "db-connections", {
      alarmName: this.names.resource("db-connections"),
      description: `PostgreSQL connections at or above ${connections} (70% of ${db.instanceClass}'s default max_connections, or database.connectionsAlarmThreshold) for 10 minutes`,
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: { DBInstanceIdentifier: instance.identifier },
      statistic: "Maximum",
      threshold: connections,
      evaluationPeriods: 2,
      opsTopicArn: network.opsTopicArn,
    });

    this.output(
      "db_engine_version_actual",
      instance.engineVersionActual,
      "PostgreSQL version running now (database.engineVersion is its major while AWS applies minor upgrades)",
    );

    return {
      address: instance.address,
      port: instance.port.toString(),
      name: db.databaseName,
      masterSecretArn: instance.masterUserSecret.get(0).secretArn,
      resourceId: instance.resourceId,
      proxy: db.proxy ? this.createProxy(network, instance) : undefined,
    };
  }

  /** The API's way in: only the API's role signs in through it, so only that user is granted to the proxy. */
  private createProxy(network: Network, instance: DbInstance): DataOutputs["database"]["proxy"] {
    const proxy = new DatabaseProxy(this, "db-proxy", {
      name: this.names.resource("db-proxy", 60),
      roleName: this.names.global("db-proxy"),
      region: this.region,
      accountId: this.accountId,
      instance: { identifier: instance.identifier, resourceId: instance.resourceId },
      users: [API_DB_USER],
      subnetIds: network.isolatedSubnetIds,
      securityGroupId: network.securityGroupId(DATABASE_PROXY_GROUP),
      maxConnectionsPercent: PROXY_MAX_CONNECTIONS_PERCENT,
      logRetentionDays: this.env.logRetentionDays,
      kmsKeyArn: network.kmsKeyArn,
    });
    this.output(
      "db_proxy_endpoint",
      proxy.endpoint,
      "RDS Proxy endpoint the API connects to (private, IAM, TLS)",
    );
    return { endpoint: proxy.endpoint, resourceId: proxy.resourceId };
  }

  private createCache(network: Network) {
    const cache = this.env.cache;
    const groupId = this.names.resource("cache", 40);
    // Every user group must hold a user named "default"; ours can do nothing.
    const defaultUser = new ElasticacheUser(this, "cache-default-user", {
      userId: this.names.resource("cache-default", 40),
      userName: "default",
      engine: cache.engine,
      accessString: "off -@all",
      authenticationMode: { type: "no-password-required" },
    });
    // IAM authentication: the API signs a short-lived token; no password exists anywhere.
    const apiUserId = this.names.resource("cache-api", 40);
    const apiUser = new ElasticacheUser(this, "cache-api-user", {
      userId: apiUserId,
      userName: apiUserId,
      engine: cache.engine,
      accessString: "on ~* +@all -@admin -@dangerous",
      authenticationMode: { type: "iam" },
    });
    const users = new ElasticacheUserGroup(this, "cache-users", {
      userGroupId: this.names.resource("cache-users", 40),
      engine: cache.engine,
      userIds: [defaultUser.userId, apiUser.userId],
    });
    const subnets = new ElasticacheSubnetGroup(this, "cache-subnets", {
      name: this.names.resource("cache"),
      subnetIds: network.isolatedSubnetIds,
    });
    const group = new ElasticacheReplicationGroup(this, "cache", {
      replicationGroupId: groupId,
      description: `${groupId}: read cache of the blog API`,
      engine: cache.engine,
      engineVersion: cache.engineVersion,
      nodeType: cache.nodeType,
      numCacheClusters: cache.nodeCount,
      automaticFailoverEnabled: cache.nodeCount > 1,
      multiAzEnabled: cache.multiAz,
      port: 6379,
      subnetGroupName: subnets.name,
      securityGroupIds: [network.securityGroupId("cache")],
      atRestEncryptionEnabled: "true",
      kmsKeyId: network.kmsKeyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      userGroupIds: [users.userGroupId],
      snapshotRetentionLimit: cache.snapshotRetentionDays,
      // Patch versions only (8.0.x): the provider keeps engine_version at major.minor, engine_version_actual follows.
      autoMinorVersionUpgrade: "true",
      applyImmediately: !this.env.production,
    });
    if (cache.nodeCount < 2 || !cache.multiAz)
      suppress(
        group,
        "CKV2_AWS_50",
        "One node or one AZ by configuration (cache.nodeCount, cache.multiAz): a read cache the API can do without",
      );
    opsAlarm(this, "cache-memory", {
      alarmName: this.names.resource("cache-memory"),
      description: "Cache memory usage above 80%",
      namespace: "AWS/ElastiCache",
      metricName: "DatabaseMemoryUsagePercentage",
      dimensions: { ReplicationGroupId: group.replicationGroupId },
      statistic: "Maximum",
      threshold: 80,
      evaluationPeriods: 3,
      opsTopicArn: network.opsTopicArn,
    });
    this.output(
      "cache_engine_version_actual",
      group.engineVersionActual,
      "Redis/Valkey version running now, with the patch level AWS applied (cache.engineVersion is major.minor)",
    );
    return {
      address: group.primaryEndpointAddress,
      port: "6379",
      replicationGroupId: group.replicationGroupId,
      replicationGroupArn: group.arn,
      apiUserId,
      apiUserArn: apiUser.arn,
    };
  }

  private table(
    suffix: string,
    keys: Pick<AppTableProps, "hashKey" | "rangeKey" | "stream" | "ttlAttribute">,
  ): DynamodbTable {
    return appTable(this, suffix, {
      name: this.names.resource(suffix, 255),
      kmsKeyArn: this.kmsKeyArn,
      replicaKeyArns: this.replicaKeyArns,
      opsTopicArn: this.opsTopicArn,
      settings: this.env.dynamodb,
      ...keys,
    });
  }

  private createUploadsBucket(network: Network): SecureBucket {
    const storage = this.env.storage;
    const origins = storage.corsAllowedOrigins.length
      ? storage.corsAllowedOrigins
      : this.siteDomain
        ? [`https://${this.siteDomain}`]
        : // The CloudFront domain is only known after the edge layer exists; any CloudFront site may POST,
          // but only with a presigned policy that this account signed.
          ["https://*.cloudfront.net"];
    return new SecureBucket(this, "uploads", {
      bucketPrefix: this.names.bucketPrefix("uploads"),
      kmsKeyArn: network.kmsKeyArn,
      accessLogs: { bucket: network.accessLogBucketName, prefix: `s3/${this.names.resource("uploads")}/` },
      lifecycleRules: [
        {
          id: "expire-raw-uploads",
          status: "Enabled",
          filter: [{ prefix: "uploads/" }],
          expiration: [{ days: storage.rawUploadExpirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: storage.noncurrentVersionExpirationDays }],
        },
        {
          // The author page autosaves drafts every few seconds: each save leaves a noncurrent version behind.
          id: "expire-replaced-drafts",
          status: "Enabled",
          filter: [{ prefix: DRAFTS_PREFIX }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
        },
      ],
      // Versions expire with the rule above; the bucket-wide rule only aborts incomplete uploads.
      lifecycle: { ruleId: "abort-incomplete-uploads", noncurrentVersionDays: false },
      corsRules: [
        {
          allowedMethods: ["POST"],
          allowedOrigins: origins,
          allowedHeaders: ["*"],
          exposeHeaders: ["ETag", "Location"],
          maxAgeSeconds: 3000,
        },
        {
          // The author page's own-folder calls with the identity pool's credentials (lib/author-folders.ts):
          // list, read, put and delete; what each author may touch is the role's policy, not CORS.
          allowedMethods: ["GET", "PUT", "DELETE", "HEAD"],
          allowedOrigins: origins,
          allowedHeaders: ["*"],
          exposeHeaders: ["ETag"],
          maxAgeSeconds: 3000,
        },
      ],
    });
  }

  private createMediaBucket(network: Network): SecureBucket {
    return new SecureBucket(this, "media", {
      bucketPrefix: this.names.bucketPrefix("media"),
      kmsKeyArn: network.kmsKeyArn,
      accessLogs: { bucket: network.accessLogBucketName, prefix: `s3/${this.names.resource("media")}/` },
      lifecycle: { noncurrentVersionDays: this.env.storage.noncurrentVersionExpirationDays },
      // The edge layer owns this bucket's policy: it needs the CloudFront distribution's ARN.
      managePolicy: false,
    });
  }
}
