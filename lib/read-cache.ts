/**
 * The API's read cache: a Redis/Valkey replication group in isolated subnets (TLS required, encrypted with the
 * app's key), its users (a powerless `default`, and the API's with IAM authentication: no password anywhere) and
 * its memory alarm.
 */
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import type { EnvironmentConfig } from "../config/schema";
import { keepAddresses } from "./addressing";
import { opsAlarm } from "./alarms";
import type { Names } from "./naming";

/** How the API reaches the cache: what the data layer hands on (stacks/outputs.ts). */
export interface CacheConnection {
  readonly address: string;
  readonly port: string;
  readonly replicationGroupId: string;
  readonly replicationGroupArn: string;
  /** ElastiCache user with IAM authentication that the API connects as. */
  readonly apiUserId: string;
  readonly apiUserArn: string;
}

export interface ReadCacheProps {
  readonly names: Names;
  /** `environments.<env>.cache`. */
  readonly settings: EnvironmentConfig["cache"];
  /** Production applies changes in the maintenance window. */
  readonly production: boolean;
  readonly kmsKeyArn: string;
  readonly opsTopicArn: string;
  /** Isolated subnets of the nodes. */
  readonly subnetIds: string[];
  readonly securityGroupId: string;
}

const PORT = 6379;

export class ReadCache extends Construct {
  public readonly group: ElasticacheReplicationGroup;
  public readonly connection: CacheConnection;

  constructor(scope: Construct, id: string, props: ReadCacheProps) {
    super(scope, id);
    // The data stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names, settings: cache } = props;
    const groupId = names.resource("cache", 40);
    // Every user group must hold a user named "default"; ours can do nothing.
    const defaultUser = new ElasticacheUser(this, "cache-default-user", {
      userId: names.resource("cache-default", 40),
      userName: "default",
      engine: cache.engine,
      accessString: "off -@all",
      authenticationMode: { type: "no-password-required" },
    });
    // IAM authentication: the API signs a short-lived token; no password exists anywhere.
    const apiUserId = names.resource("cache-api", 40);
    const apiUser = new ElasticacheUser(this, "cache-api-user", {
      userId: apiUserId,
      userName: apiUserId,
      engine: cache.engine,
      accessString: "on ~* +@all -@admin -@dangerous",
      authenticationMode: { type: "iam" },
    });
    const users = new ElasticacheUserGroup(this, "cache-users", {
      userGroupId: names.resource("cache-users", 40),
      engine: cache.engine,
      userIds: [defaultUser.userId, apiUser.userId],
    });
    const subnets = new ElasticacheSubnetGroup(this, "cache-subnets", {
      name: names.resource("cache"),
      subnetIds: props.subnetIds,
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
      port: PORT,
      subnetGroupName: subnets.name,
      securityGroupIds: [props.securityGroupId],
      atRestEncryptionEnabled: "true",
      kmsKeyId: props.kmsKeyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      userGroupIds: [users.userGroupId],
      snapshotRetentionLimit: cache.snapshotRetentionDays,
      // Patch versions only (8.0.x): the provider keeps engine_version at major.minor, engine_version_actual follows.
      autoMinorVersionUpgrade: "true",
      applyImmediately: !props.production,
    });
    if (cache.nodeCount < 2 || !cache.multiAz)
      suppress(
        group,
        "CKV2_AWS_50",
        "One node or one AZ by configuration (cache.nodeCount, cache.multiAz): a read cache the API can do without",
      );
    opsAlarm(this, "cache-memory", {
      alarmName: names.resource("cache-memory"),
      description: "Cache memory usage above 80%",
      namespace: "AWS/ElastiCache",
      metricName: "DatabaseMemoryUsagePercentage",
      dimensions: { ReplicationGroupId: group.replicationGroupId },
      statistic: "Maximum",
      threshold: 80,
      evaluationPeriods: 3,
      opsTopicArn: props.opsTopicArn,
    });
    this.group = group;
    this.connection = {
      address: group.primaryEndpointAddress,
      port: String(PORT),
      replicationGroupId: group.replicationGroupId,
      replicationGroupArn: group.arn,
      apiUserId,
      apiUserArn: apiUser.arn,
    };
  }
}
