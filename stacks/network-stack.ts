/**
 * Network layer: the VPC (or an adopted one), its subnets, routes, NAT and endpoints, the security groups
 * that decide who reaches PostgreSQL and Redis, and the shared foundations every other layer uses: the
 * customer-managed KMS key, the access-log bucket and the ops alarm topic.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCanonicalUserId } from "@cdktf/provider-aws/lib/data-aws-canonical-user-id";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { S3BucketAcl } from "@cdktf/provider-aws/lib/s3-bucket-acl";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { acceptRetentionBelowAYear } from "../lib/log-retention";
import { assumeRolePolicy, policyDocument } from "../lib/iam";
import { SecureBucket } from "../lib/secure-bucket";
import { BlogStack, type BlogStackProps } from "./blog-stack";

/** Canonical user of CloudFront's log delivery (awslogsdelivery), which writes standard logs with an ACL. */
const CLOUDFRONT_LOG_DELIVERY_CANONICAL_ID =
  "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0";

/** Security groups are passed on as ids: a scalar per group, never a list across stacks. */
export interface NetworkSecurityGroups {
  readonly apiFunction: string;
  readonly migrateFunction: string;
  readonly database: string;
  readonly cache: string;
}

export class NetworkStack extends BlogStack {
  public readonly vpcId: string;
  /** Where functions that must reach the database run (egress through NAT or endpoints). */
  public readonly privateSubnetIds: string[];
  /** Where the database and cache live: no route out of the VPC. */
  public readonly isolatedSubnetIds: string[];
  public readonly securityGroups: NetworkSecurityGroups;
  public readonly kmsKeyArn: string;
  public readonly accessLogBucketName: string;
  public readonly accessLogBucketDomainName: string;
  public readonly opsTopicArn: string;

  constructor(scope: Construct, props: BlogStackProps) {
    super(scope, "network", props);
    const net = this.env.network;

    const key = this.createKey();
    this.kmsKeyArn = key.arn;

    if (net.existingVpc) {
      // Adopt a team's VPC: its subnets, routes, NAT and flow logs stay theirs; we only add security groups.
      this.vpcId = net.existingVpc.vpcId;
      this.privateSubnetIds = net.existingVpc.privateSubnetIds;
      this.isolatedSubnetIds = net.existingVpc.isolatedSubnetIds;
    } else {
      const created = this.createVpc(key.arn);
      this.vpcId = created.vpcId;
      this.privateSubnetIds = created.privateSubnetIds;
      this.isolatedSubnetIds = created.isolatedSubnetIds;
    }
    this.securityGroups = this.createSecurityGroups();
    if (!net.existingVpc && net.natMode === "none") this.createInterfaceEndpoints();

    const logs = this.createAccessLogBucket();
    this.accessLogBucketName = logs.name;
    this.accessLogBucketDomainName = logs.bucket.bucketDomainName;
    this.opsTopicArn = this.createOpsTopic(key.arn);

    this.output("vpc_id", this.vpcId, "VPC the application runs in");
    this.output("kms_key_arn", this.kmsKeyArn, "Customer-managed key encrypting data, logs and topics");
    this.output(
      "access_log_bucket",
      this.accessLogBucketName,
      "Bucket receiving S3 and CloudFront access logs",
    );
    this.output("ops_topic_arn", this.opsTopicArn, "SNS topic that receives every alarm");
  }

  private createKey(): KmsKey {
    const account = this.accountId;
    const region = this.region;
    const key = new KmsKey(this, "key", {
      description: `${this.names.resource("data")}: data, logs, topics and queues`,
      enableKeyRotation: true,
      deletionWindowInDays: this.env.production ? 30 : 7,
      policy: policyDocument([
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "CloudWatchLogsEncryptsLogGroups",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: {
            ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:*` },
          },
        },
        {
          Sid: "ServicesPublishToEncryptedTopicsAndQueues",
          Effect: "Allow",
          Principal: { Service: ["s3.amazonaws.com", "cloudwatch.amazonaws.com", "sns.amazonaws.com"] },
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": account } },
        },
        {
          Sid: "CloudFrontReadsEncryptedObjects",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: ["kms:Decrypt"],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: { "aws:SourceArn": `arn:aws:cloudfront::${account}:distribution/*` },
          },
        },
      ]),
    });
    new KmsAlias(this, "key-alias", { name: `alias/${this.names.resource("data")}`, targetKeyId: key.keyId });
    return key;
  }

  private createVpc(kmsKeyArn: string) {
    const net = this.env.network;
    const azs = new DataAwsAvailabilityZones(this, "azs", { state: "available" });
    suppress(
      azs,
      "CKV_AWS_394",
      "Zero-config default: the region's zones are not known at synth time, so subnets take the first network.azCount available zones by index",
    );
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: net.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: this.names.resource("vpc") },
    });
    // Default security group of the VPC: no rules at all (CKV2_AWS_12).
    new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id });

    const igw = new InternetGateway(this, "igw", { vpcId: vpc.id });
    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: vpc.id,
      tags: { Name: this.names.resource("public") },
    });
    new Route(this, "public-default", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    const isolatedRoutes = new RouteTable(this, "isolated-routes", {
      vpcId: vpc.id,
      tags: { Name: this.names.resource("isolated") },
    });

    // Subnets: /4 more bits than the VPC; public at 0.., private at 4.., isolated at 8.. (room for 4 AZs each).
    const subnet = (tier: string, index: number, offset: number) =>
      new Subnet(this, `${tier}-${index}`, {
        vpcId: vpc.id,
        availabilityZone: Fn.element(azs.names, index),
        cidrBlock: Fn.cidrsubnet(net.cidr, 4, offset + index),
        mapPublicIpOnLaunch: false,
        tags: { Name: this.names.resource(`${tier}-${index}`), tier },
      });

    const privateSubnets: Subnet[] = [];
    const isolatedSubnets: Subnet[] = [];
    const privateRouteTables: RouteTable[] = [];
    const natGateways: NatGateway[] = [];
    for (let i = 0; i < net.azCount; i++) {
      const pub = subnet("public", i, 0);
      new RouteTableAssociation(this, `public-${i}-routes`, {
        subnetId: pub.id,
        routeTableId: publicRoutes.id,
      });
      if (net.natMode === "per-az" || (net.natMode === "single" && i === 0)) {
        const eip = new Eip(this, `nat-${i}-ip`, {
          domain: "vpc",
          tags: { Name: this.names.resource(`nat-${i}`) },
        });
        natGateways.push(
          new NatGateway(this, `nat-${i}`, {
            subnetId: pub.id,
            allocationId: eip.id,
            tags: { Name: this.names.resource(`nat-${i}`) },
            dependsOn: [igw],
          }),
        );
      }

      const priv = subnet("private", i, 4);
      privateSubnets.push(priv);
      const routes = new RouteTable(this, `private-${i}-routes`, {
        vpcId: vpc.id,
        tags: { Name: this.names.resource(`private-${i}`) },
      });
      privateRouteTables.push(routes);
      new RouteTableAssociation(this, `private-${i}-assoc`, { subnetId: priv.id, routeTableId: routes.id });

      const iso = subnet("isolated", i, 8);
      isolatedSubnets.push(iso);
      new RouteTableAssociation(this, `isolated-${i}-assoc`, {
        subnetId: iso.id,
        routeTableId: isolatedRoutes.id,
      });
    }
    // With one NAT all private route tables share it; per AZ each uses its own.
    privateRouteTables.forEach((routes, i) => {
      const nat = natGateways[i] ?? natGateways[0];
      if (nat) {
        new Route(this, `private-${i}-default`, {
          routeTableId: routes.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nat.id,
        });
      }
    });

    // Gateway endpoints: S3 and DynamoDB stay on the AWS network and cost nothing.
    for (const service of ["s3", "dynamodb"]) {
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${this.region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRouteTables.map((r) => r.id), isolatedRoutes.id],
        tags: { Name: this.names.resource(service) },
      });
    }

    this.createFlowLogs(vpc.id, kmsKeyArn);
    return {
      vpcId: vpc.id,
      privateSubnetIds: privateSubnets.map((s) => s.id),
      isolatedSubnetIds: isolatedSubnets.map((s) => s.id),
    };
  }

  private createFlowLogs(vpcId: string, kmsKeyArn: string): void {
    const logGroup = new CloudwatchLogGroup(this, "flow-logs", {
      name: `/vpc/${this.names.resource("flow-logs")}`,
      retentionInDays: this.env.network.flowLogRetentionDays,
      kmsKeyId: kmsKeyArn,
    });
    acceptRetentionBelowAYear(
      logGroup,
      this.env.network.flowLogRetentionDays,
      "network.flowLogRetentionDays",
    );
    const role = new IamRole(this, "flow-logs-role", {
      name: this.names.resource("flow-logs"),
      assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com"),
    });
    new IamRolePolicy(this, "flow-logs-policy", {
      name: "write-flow-logs",
      role: role.id,
      policy: policyDocument([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: `${logGroup.arn}:*`,
        },
      ]),
    });
    new FlowLog(this, "flow-log", {
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }

  /**
   * Only the API function reaches PostgreSQL and Redis; the migration function reaches PostgreSQL.
   * Rules reference groups, never CIDRs, and nothing accepts traffic from 0.0.0.0/0.
   */
  private createSecurityGroups(): NetworkSecurityGroups {
    const group = (id: string, description: string) => {
      const sg = new SecurityGroup(this, id, {
        name: this.names.resource(id, 255),
        description,
        vpcId: this.vpcId,
        revokeRulesOnDelete: true,
        tags: { Name: this.names.resource(id, 255) },
      });
      suppress(
        sg,
        "CKV2_AWS_5",
        "Attached in the data or api stack, which takes its id across stacks; Checkov scans each stack file alone",
      );
      return sg;
    };
    const api = group("api-fn", "API function: reaches PostgreSQL, Redis and AWS APIs");
    const migrate = group("migrate-fn", "Schema migration function: reaches PostgreSQL and AWS APIs");
    const database = group("database", "PostgreSQL: reachable from the API and migration functions only");
    const cache = group("cache", "Redis: reachable from the API function only");

    const allow = (id: string, from: SecurityGroup, to: SecurityGroup, port: number, what: string) => {
      new VpcSecurityGroupIngressRule(this, `${id}-in`, {
        securityGroupId: to.id,
        referencedSecurityGroupId: from.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: what,
      });
      new VpcSecurityGroupEgressRule(this, `${id}-out`, {
        securityGroupId: from.id,
        referencedSecurityGroupId: to.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: what,
      });
    };
    allow("api-to-database", api, database, 5432, "API function to PostgreSQL");
    allow("migrate-to-database", migrate, database, 5432, "Migration function to PostgreSQL");
    allow("api-to-cache", api, cache, 6379, "API function to Redis");
    for (const [id, from] of [
      ["api", api],
      ["migrate", migrate],
    ] as const) {
      // HTTPS out to AWS APIs (DynamoDB/S3 through gateway endpoints, the rest through NAT or interface endpoints).
      new VpcSecurityGroupEgressRule(this, `${id}-https-out`, {
        securityGroupId: from.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to AWS service endpoints",
      });
    }
    return { apiFunction: api.id, migrateFunction: migrate.id, database: database.id, cache: cache.id };
  }

  /** Without NAT, the in-VPC functions reach Secrets Manager (the managed DB secret) through an endpoint. */
  private createInterfaceEndpoints(): void {
    const endpoints = new SecurityGroup(this, "endpoints", {
      name: this.names.resource("endpoints"),
      description: "Interface endpoints: HTTPS from the in-VPC functions",
      vpcId: this.vpcId,
      revokeRulesOnDelete: true,
    });
    for (const [id, from] of [
      ["api", this.securityGroups.apiFunction],
      ["migrate", this.securityGroups.migrateFunction],
    ]) {
      new VpcSecurityGroupIngressRule(this, `endpoints-from-${id}`, {
        securityGroupId: endpoints.id,
        referencedSecurityGroupId: from,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: `HTTPS from the ${id} function`,
      });
    }
    new VpcEndpoint(this, "secretsmanager-endpoint", {
      vpcId: this.vpcId,
      serviceName: `com.amazonaws.${this.region}.secretsmanager`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds: this.privateSubnetIds,
      securityGroupIds: [endpoints.id],
      tags: { Name: this.names.resource("secretsmanager") },
    });
  }

  /**
   * One bucket for S3 server access logs and CloudFront standard logs. CloudFront delivers with an ACL and
   * cannot write SSE-KMS objects, hence the two documented exceptions below.
   */
  private createAccessLogBucket(): SecureBucket {
    const logs = new SecureBucket(this, "access-logs", {
      bucketPrefix: this.names.bucketPrefix("access-logs"),
      objectOwnership: "BucketOwnerPreferred",
      lifecycleRules: [
        {
          id: "expire-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: 365 }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
    logs.addToResourcePolicy({
      Sid: "S3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${logs.arn}/s3/*`,
      Condition: { StringEquals: { "aws:SourceAccount": this.accountId } },
    });
    const owner = new DataAwsCanonicalUserId(this, "canonical-user").id;
    new S3BucketAcl(this, "access-logs-acl", {
      bucket: logs.bucket.id,
      accessControlPolicy: {
        owner: { id: owner },
        grant: [
          { grantee: { type: "CanonicalUser", id: owner }, permission: "FULL_CONTROL" },
          {
            grantee: { type: "CanonicalUser", id: CLOUDFRONT_LOG_DELIVERY_CANONICAL_ID },
            permission: "FULL_CONTROL",
          },
        ],
      },
    });
    const withAcl =
      "CloudFront standard logging delivers log files with an ACL, so ACLs stay enabled on the log bucket only";
    suppress(logs.bucket, "CKV2_AWS_65", withAcl);
    // Checkov reports CKV2_AWS_65 on the ownership controls, the pack on the bucket.
    suppress(logs.ownershipControls, "CKV2_AWS_65", withAcl);
    suppress(
      logs.bucket,
      "CKV_AWS_145",
      "CloudFront standard logging cannot write SSE-KMS objects; the log bucket uses SSE-S3",
    );
    suppress(logs.bucket, "CKV_AWS_18", "This is the access-log bucket; logging it into itself would loop");
    suppress(
      logs.bucket,
      "CKV_AWS_144",
      "Access logs of a one-region app, kept a year; a replica is a DR choice this app does not make",
    );
    suppress(logs.bucket, "CKV2_AWS_62", "Log delivery writes it and nothing reacts to new log files");
    return logs;
  }

  private createOpsTopic(kmsKeyArn: string): string {
    const topic = new SnsTopic(this, "ops-topic", {
      name: this.names.resource("ops-alarms", 256),
      kmsMasterKeyId: kmsKeyArn,
    });
    new SnsTopicPolicy(this, "ops-topic-policy", {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": this.accountId } },
        },
      ]),
    });
    this.env.alarmEmails.forEach((email, i) => {
      new SnsTopicSubscription(this, `ops-email-${i}`, {
        topicArn: topic.arn,
        protocol: "email",
        endpoint: email,
      });
    });
    return topic.arn;
  }
}
