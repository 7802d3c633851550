/**
 * A VPC over 2–4 AZs with public, private (egress through NAT or endpoints) and isolated (no route out) subnets,
 * NAT none / single / per AZ, free gateway endpoints for S3 and DynamoDB, interface endpoints on demand, flow
 * logs into an encrypted log group, and a locked-down default security group; or an adopted VPC, given by ids.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { keepAddresses } from "./addressing";
import { assumeRolePolicy, policyDocument } from "./iam";
import { acceptRetentionBelowAYear } from "./log-retention";
import type { Names } from "./naming";

export type NatMode = "none" | "single" | "per-az";

/** A team's VPC, adopted by id: its subnets, routes, NAT and flow logs stay theirs. */
export interface ExistingVpc {
  readonly vpcId: string;
  readonly privateSubnetIds: string[];
  readonly isolatedSubnetIds: string[];
}

export interface AppVpcProps {
  /** Names and `Name` tags: `<app>-<env>-<suffix>`. */
  readonly names: Names;
  readonly region: string;
  /** IPv4 CIDR of a created VPC (/16–/24); each subnet is 4 bits smaller. */
  readonly cidr: string;
  /** 2–4 zones: the region's first `azCount` available zones. */
  readonly azCount: number;
  /** "none": no NAT (add interface endpoints); "single": one, shared; "per-az": one per zone. */
  readonly natMode: NatMode;
  /** Flow logs: retention (a CloudWatch Logs value) and the key encrypting their log group. */
  readonly flowLogs: { readonly retentionDays: number; readonly kmsKeyArn: string };
  /** Adopt this VPC instead of creating one. @default a new VPC */
  readonly existing?: ExistingVpc;
}

export class AppVpc extends Construct {
  public readonly vpcId: string;
  /** Where functions that must reach the database run (egress through NAT or endpoints). */
  public readonly privateSubnetIds: string[];
  /** Where the database and cache live: no route out of the VPC. */
  public readonly isolatedSubnetIds: string[];
  /** True when this construct created the VPC (not adopted): only then does it own routes and endpoints. */
  public readonly created: boolean;
  private readonly props: AppVpcProps;

  constructor(scope: Construct, id: string, props: AppVpcProps) {
    super(scope, id);
    // The network stack declared these resources itself before this construct existed.
    keepAddresses(this);
    if (props.azCount < 2 || props.azCount > 4) throw new Error(`azCount must be 2–4, not ${props.azCount}`);
    this.props = props;
    this.created = !props.existing;
    if (props.existing) {
      this.vpcId = props.existing.vpcId;
      this.privateSubnetIds = props.existing.privateSubnetIds;
      this.isolatedSubnetIds = props.existing.isolatedSubnetIds;
    } else {
      const created = this.createVpc();
      this.vpcId = created.vpcId;
      this.privateSubnetIds = created.privateSubnetIds;
      this.isolatedSubnetIds = created.isolatedSubnetIds;
    }
  }

  private createVpc() {
    const { names, cidr, azCount, natMode } = this.props;
    const azs = new DataAwsAvailabilityZones(this, "azs", { state: "available" });
    suppress(
      azs,
      "CKV_AWS_394",
      "No zone names are configured and none are known at synth time (no AWS account is needed), so subnets take the first network.azCount available zones by index",
    );
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: names.resource("vpc") },
    });
    // Default security group of the VPC: no rules at all (CKV2_AWS_12).
    new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id });

    const igw = new InternetGateway(this, "igw", { vpcId: vpc.id });
    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: vpc.id,
      tags: { Name: names.resource("public") },
    });
    new Route(this, "public-default", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    const isolatedRoutes = new RouteTable(this, "isolated-routes", {
      vpcId: vpc.id,
      tags: { Name: names.resource("isolated") },
    });

    // Subnets: /4 more bits than the VPC; public at 0.., private at 4.., isolated at 8.. (room for 4 AZs each).
    const subnet = (tier: string, index: number, offset: number) =>
      new Subnet(this, `${tier}-${index}`, {
        vpcId: vpc.id,
        availabilityZone: Fn.element(azs.names, index),
        cidrBlock: Fn.cidrsubnet(cidr, 4, offset + index),
        mapPublicIpOnLaunch: false,
        tags: { Name: names.resource(`${tier}-${index}`), tier },
      });

    const privateSubnets: Subnet[] = [];
    const isolatedSubnets: Subnet[] = [];
    const privateRouteTables: RouteTable[] = [];
    const natGateways: NatGateway[] = [];
    for (let i = 0; i < azCount; i++) {
      const pub = subnet("public", i, 0);
      new RouteTableAssociation(this, `public-${i}-routes`, {
        subnetId: pub.id,
        routeTableId: publicRoutes.id,
      });
      if (natMode === "per-az" || (natMode === "single" && i === 0)) {
        const eip = new Eip(this, `nat-${i}-ip`, {
          domain: "vpc",
          tags: { Name: names.resource(`nat-${i}`) },
        });
        natGateways.push(
          new NatGateway(this, `nat-${i}`, {
            subnetId: pub.id,
            allocationId: eip.id,
            tags: { Name: names.resource(`nat-${i}`) },
            dependsOn: [igw],
          }),
        );
      }

      const priv = subnet("private", i, 4);
      privateSubnets.push(priv);
      const routes = new RouteTable(this, `private-${i}-routes`, {
        vpcId: vpc.id,
        tags: { Name: names.resource(`private-${i}`) },
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
        serviceName: `com.amazonaws.${this.props.region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRouteTables.map((r) => r.id), isolatedRoutes.id],
        tags: { Name: names.resource(service) },
      });
    }

    this.createFlowLogs(vpc.id);
    return {
      vpcId: vpc.id,
      privateSubnetIds: privateSubnets.map((s) => s.id),
      isolatedSubnetIds: isolatedSubnets.map((s) => s.id),
    };
  }

  private createFlowLogs(vpcId: string): void {
    const { names, flowLogs } = this.props;
    const logGroup = new CloudwatchLogGroup(this, "flow-logs", {
      name: `/vpc/${names.resource("flow-logs")}`,
      retentionInDays: flowLogs.retentionDays,
      kmsKeyId: flowLogs.kmsKeyArn,
    });
    acceptRetentionBelowAYear(logGroup, flowLogs.retentionDays, "network.flowLogRetentionDays");
    const role = new IamRole(this, "flow-logs-role", {
      name: names.global("flow-logs"),
      assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com"),
    });
    new IamRolePolicy(this, "flow-logs-policy", {
      name: "write-flow-logs",
      role: role.id,
      policy: policyDocument([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          // Streams are `<log group ARN>:log-stream:<name>`; DescribeLogStreams takes the log group's own ARN.
          Resource: [logGroup.arn, `${logGroup.arn}:*`],
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
   * Interface endpoints in the private subnets, for a VPC without NAT: HTTPS in from each client group (keyed by
   * a short name that ends up in the rule's address and description).
   */
  addInterfaceEndpoints(services: readonly string[], clients: Readonly<Record<string, string>>): void {
    const { names, region } = this.props;
    const endpoints = new SecurityGroup(this, "endpoints", {
      name: names.resource("endpoints"),
      description: "Interface endpoints: HTTPS from the in-VPC functions",
      vpcId: this.vpcId,
      revokeRulesOnDelete: true,
    });
    for (const [id, from] of Object.entries(clients)) {
      new VpcSecurityGroupIngressRule(this, `endpoints-from-${id}`, {
        securityGroupId: endpoints.id,
        referencedSecurityGroupId: from,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: `HTTPS from the ${id} function`,
      });
    }
    for (const service of services) {
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [endpoints.id],
        tags: { Name: names.resource(service) },
      });
    }
  }
}
