/**
 * Data layer: PostgreSQL (posts, comments; lib/postgres-database.ts), Redis/Valkey (read cache; lib/read-cache.ts),
 * DynamoDB (subscribers, counters, photo status, idempotency) and the uploads and media buckets. Everything
 * encrypted with the network layer's key; nothing reachable from outside the VPC; no secret in configuration or state.
 */
import { DRAFTS_PREFIX } from "../shared/author-folders";
import type { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import type { EnvironmentConfig } from "../config/schema";
import { BackupPlan } from "../lib/backup-plan";
import { API_DB_USER } from "../lib/database-users";
import { PostgresDatabase } from "../lib/postgres-database";
import { ReadCache } from "../lib/read-cache";
import type { NetworkAccess } from "../lib/security-groups";
import { SecureBucket } from "../lib/secure-bucket";
import { replicaKeys } from "../lib/replica-keys";
import { deletesDataOnDestroy } from "../lib/teardown";
import { appTable, declaredKeys } from "../lib/table";
import { TABLES, tablesOf, type TableContract, type TableName } from "../shared/contracts/tables";
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

/** A table whose records carry an expiry time (TTL). */
const expires = (name: TableName): boolean => (TABLES[name] as TableContract).ttlAttribute !== undefined;

/** The PostgreSQL role the API connects as; defined in lib/ for the local environment too. */
export { API_DB_USER };

export class DataStack extends BlogStack implements DataOutputs {
  public readonly database: DataOutputs["database"];
  public readonly cache: DataOutputs["cache"];
  public readonly tables: DataOutputs["tables"];
  public readonly subscribersStreamArn: string;
  public readonly uploadsBucket: TableRef;
  public readonly mediaBucket: DataOutputs["mediaBucket"];
  private readonly kmsKeyArn: string;
  public readonly replicaKeyArns: DataOutputs["replicaKeyArns"];
  private readonly opsTopicArn: string;

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

    const db = this.env.database;
    const postgres = new PostgresDatabase(this, "postgres-database", {
      names: this.names,
      region: this.region,
      accountId: () => this.accountId,
      settings: db,
      production: this.env.production,
      logRetentionDays: this.env.logRetentionDays,
      kmsKeyArn: network.kmsKeyArn,
      opsTopicArn: network.opsTopicArn,
      subnetIds: network.isolatedSubnetIds,
      securityGroupId: network.securityGroupId("database"),
      // The API's way in: only the API's role signs in through it.
      proxy: db.proxy
        ? { securityGroupId: network.securityGroupId(DATABASE_PROXY_GROUP), users: [API_DB_USER] }
        : undefined,
    });
    this.database = postgres.connection;
    const cache = new ReadCache(this, "read-cache", {
      names: this.names,
      settings: this.env.cache,
      production: this.env.production,
      kmsKeyArn: network.kmsKeyArn,
      opsTopicArn: network.opsTopicArn,
      subnetIds: network.isolatedSubnetIds,
      securityGroupId: network.securityGroupId("cache"),
    });
    this.cache = cache.connection;

    // Every table the contract gives this layer, in its order.
    const tables = tablesOf("data").map((name) => ({ name, table: this.table(name) }));
    this.tables = Object.fromEntries(
      tables.map(({ name, table }) => [name, { name: table.name, arn: table.arn }]),
    ) as DataOutputs["tables"];
    this.subscribersStreamArn = tables.find(({ name }) => name === "subscribers")!.table.streamArn;

    const uploads = this.createUploadsBucket(network);
    this.uploadsBucket = { name: uploads.name, arn: uploads.arn };
    const media = this.createMediaBucket(network);
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
        // Tables whose records expire (idempotency: within hours) are not kept. Thumbnails are: raw uploads expire,
        // so they cannot be redone.
        resources: [
          postgres.instance.arn,
          ...tables.filter(({ name }) => !expires(name)).map(({ table }) => table.arn),
          uploads.arn,
          media.arn,
        ],
        accountId: () => this.accountId,
        providerIn: (region) => this.providerIn(region),
      });

    this.output("db_endpoint", this.database.address, "PostgreSQL endpoint (private)");
    this.output(
      "db_master_secret_arn",
      this.database.masterSecretArn,
      "Secrets Manager secret of the RDS-managed master password",
    );
    this.output(
      "db_engine_version_actual",
      postgres.instance.engineVersionActual,
      "PostgreSQL version running now (database.engineVersion is its major while AWS applies minor upgrades)",
    );
    if (this.database.proxy) {
      this.output(
        "db_proxy_endpoint",
        this.database.proxy.endpoint,
        "RDS Proxy endpoint the API connects to (private, IAM, TLS)",
      );
    }
    this.output("cache_endpoint", this.cache.address, "Redis/Valkey primary endpoint (TLS, IAM auth)");
    this.output(
      "cache_engine_version_actual",
      cache.group.engineVersionActual,
      "Redis/Valkey version running now, with the patch level AWS applied (cache.engineVersion is major.minor)",
    );

    this.output("uploads_bucket", this.uploadsBucket.name, "Bucket receiving photo uploads");
    this.output("media_bucket", this.mediaBucket.name, "Bucket holding thumbnails served under /media/*");
    this.output("subscribers_table", this.tables.subscribers.name, "DynamoDB table of subscribers");
  }

  /** A table of this layer, with the keys, stream and TTL of its contract (shared/contracts/tables.ts). */
  private table(name: TableName): DynamodbTable {
    return appTable(this, name, {
      name: this.names.resource(name, 255),
      kmsKeyArn: this.kmsKeyArn,
      replicaKeyArns: this.replicaKeyArns,
      opsTopicArn: this.opsTopicArn,
      settings: this.env.dynamodb,
      ...declaredKeys(name),
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
    const uploads = new SecureBucket(this, "uploads", {
      bucketPrefix: this.names.bucketPrefix("uploads"),
      forceDestroy: deletesDataOnDestroy(this.env),
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
    return uploads;
  }

  private createMediaBucket(network: Network): SecureBucket {
    const media = new SecureBucket(this, "media", {
      bucketPrefix: this.names.bucketPrefix("media"),
      forceDestroy: deletesDataOnDestroy(this.env),
      kmsKeyArn: network.kmsKeyArn,
      accessLogs: { bucket: network.accessLogBucketName, prefix: `s3/${this.names.resource("media")}/` },
      lifecycle: { noncurrentVersionDays: this.env.storage.noncurrentVersionExpirationDays },
      // The edge layer owns this bucket's policy: it needs the CloudFront distribution's ARN.
      managePolicy: false,
    });
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
    return media;
  }
}
