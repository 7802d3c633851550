/**
 * Network layer: the VPC (lib/vpc.ts, or an adopted one), the security groups of the flow table that the other
 * layers declare (lib/security-groups.ts), and the shared foundations every layer uses (lib/foundations.ts).
 */
import type { Construct } from "constructs";
import { Foundations } from "../lib/foundations";
import { objectAuditTrailName } from "../lib/object-audit-trail";
import { SecurityGroupTable, type NetworkAccess } from "../lib/security-groups";
import { AppVpc } from "../lib/vpc";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import type { NetworkOutputs } from "./outputs";

export interface NetworkStackProps extends BlogStackProps {
  /**
   * Who reaches whom inside the VPC, as each layer declares it for its own members (e.g. `apiNetworkAccess`).
   * The groups live here, upstream of every member, so one group can name another across layers.
   */
  readonly access: readonly NetworkAccess[];
}

export class NetworkStack extends BlogStack implements NetworkOutputs {
  public readonly privateSubnetIds: string[];
  public readonly isolatedSubnetIds: string[];
  public readonly kmsKeyArn: string;
  public readonly accessLogBucketName: string;
  public readonly accessLogBucketDomainName: string;
  public readonly opsTopicArn: string;
  private readonly securityGroups: SecurityGroupTable;

  constructor(scope: Construct, props: NetworkStackProps) {
    super(scope, "network", props);
    const net = this.env.network;

    const foundations = new Foundations(this, "foundations", {
      names: this.names,
      region: this.region,
      accountId: this.accountId,
      production: this.env.production,
      alarmEmails: this.env.alarmEmails,
      alarmSubscriptions: this.env.alarmTopicSubscriptions,
      objectAuditTrailName: this.env.audit.objectLevelLogging ? objectAuditTrailName(this.names) : undefined,
    });
    this.kmsKeyArn = foundations.key.arn;
    this.accessLogBucketName = foundations.accessLogs.name;
    this.accessLogBucketDomainName = foundations.accessLogs.bucket.bucketDomainName;
    this.opsTopicArn = foundations.opsTopic.arn;
    this.context.useFoundations({ kmsKeyArn: this.kmsKeyArn, opsTopicArn: this.opsTopicArn });

    const vpc = new AppVpc(this, "vpc", {
      names: this.names,
      region: this.region,
      cidr: net.cidr,
      azCount: net.azCount,
      natMode: net.natMode,
      flowLogs: { retentionDays: net.flowLogRetentionDays, kmsKeyArn: this.kmsKeyArn },
      existing: net.existingVpc,
    });
    this.privateSubnetIds = vpc.privateSubnetIds;
    this.isolatedSubnetIds = vpc.isolatedSubnetIds;

    this.securityGroups = new SecurityGroupTable(this, "security-groups", {
      names: this.names,
      vpcId: vpc.vpcId,
      access: props.access,
    });
    // Without NAT, the in-VPC functions reach Secrets Manager (the managed DB secret) through an endpoint.
    if (vpc.created && net.natMode === "none") {
      vpc.addInterfaceEndpoints(["secretsmanager"], this.securityGroups.awsApiCallers);
    }

    this.output("vpc_id", vpc.vpcId, "VPC the application runs in");
    this.output("kms_key_arn", this.kmsKeyArn, "Customer-managed key encrypting data, logs and topics");
    this.output(
      "access_log_bucket",
      this.accessLogBucketName,
      "Bucket receiving S3 and CloudFront access logs",
    );
    this.output("ops_topic_arn", this.opsTopicArn, "SNS topic that receives every alarm");
  }

  securityGroupId(name: string): string {
    return this.securityGroups.id(name);
  }
}
