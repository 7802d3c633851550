/**
 * Security groups from a table of allowed flows (`from → to : port`): one group per declared member, an ingress
 * rule on the target and the matching egress rule on the source for every flow, HTTPS out for members that call
 * AWS APIs. Rules reference groups, never CIDRs, and nothing accepts traffic from 0.0.0.0/0.
 */
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { keepAddresses } from "./addressing";
import type { Names } from "./naming";

/** One member of the table: a function (`<name>-fn`) or a server (database, cache). */
export interface GroupSpec {
  readonly description: string;
  /** HTTPS out to AWS service endpoints (through gateway endpoints, NAT or interface endpoints). @default false */
  readonly callsAwsApis?: boolean;
}

/** One allowed flow: `from` reaches `to` on TCP `port`. */
export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly description: string;
}

/** What one layer declares: the groups of its own members, and the flows they start. */
export interface NetworkAccess {
  readonly groups?: Readonly<Record<string, GroupSpec>>;
  readonly flows?: readonly Flow[];
}

export interface SecurityGroupTableProps {
  readonly names: Names;
  readonly vpcId: string;
  /** Every layer's declarations; a flow may name groups of any of them. */
  readonly access: readonly NetworkAccess[];
}

/** Rule addresses use the member's short name: `api-fn` → `api-to-database-in`, `api-https-out`. */
const shortName = (group: string) => group.replace(/-fn$/, "");

export class SecurityGroupTable extends Construct {
  private readonly ids: Record<string, string> = {};
  private readonly callers: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: SecurityGroupTableProps) {
    super(scope, id);
    // The network stack declared these resources itself before the table existed.
    keepAddresses(this);
    const groups: Record<string, GroupSpec> = {};
    for (const layer of props.access) {
      for (const [name, spec] of Object.entries(layer.groups ?? {})) {
        if (groups[name]) throw new Error(`security group "${name}" is declared twice`);
        groups[name] = spec;
      }
    }
    const flows = props.access.flatMap((layer) => layer.flows ?? []);
    for (const flow of flows) {
      for (const end of [flow.from, flow.to]) {
        if (!groups[end])
          throw new Error(`flow ${flow.from} → ${flow.to}: no security group "${end}" is declared`);
      }
    }

    for (const [name, spec] of Object.entries(groups)) {
      const sg = new SecurityGroup(this, name, {
        name: props.names.resource(name, 255),
        description: spec.description,
        vpcId: props.vpcId,
        revokeRulesOnDelete: true,
        tags: { Name: props.names.resource(name, 255) },
      });
      suppress(
        sg,
        "CKV2_AWS_5",
        "Attached in the data or api stack, which takes its id across stacks; Checkov scans each stack file alone",
      );
      this.ids[name] = sg.id;
    }
    for (const flow of flows) this.allow(flow);
    for (const [name, spec] of Object.entries(groups)) {
      if (!spec.callsAwsApis) continue;
      new VpcSecurityGroupEgressRule(this, `${shortName(name)}-https-out`, {
        securityGroupId: this.ids[name],
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to AWS service endpoints",
      });
      this.callers[shortName(name)] = this.ids[name];
    }
  }

  /** Id of a declared group. @throws when no layer declared it */
  id(name: string): string {
    const id = this.ids[name];
    if (!id) throw new Error(`no security group "${name}" is declared in the flow table`);
    return id;
  }

  /** The groups that call AWS APIs, by short name: the clients of interface endpoints. */
  get awsApiCallers(): Readonly<Record<string, string>> {
    return this.callers;
  }

  private allow(flow: Flow): void {
    const id = `${shortName(flow.from)}-to-${shortName(flow.to)}`;
    const rule = { ipProtocol: "tcp", fromPort: flow.port, toPort: flow.port, description: flow.description };
    new VpcSecurityGroupIngressRule(this, `${id}-in`, {
      securityGroupId: this.ids[flow.to],
      referencedSecurityGroupId: this.ids[flow.from],
      ...rule,
    });
    new VpcSecurityGroupEgressRule(this, `${id}-out`, {
      securityGroupId: this.ids[flow.from],
      referencedSecurityGroupId: this.ids[flow.to],
      ...rule,
    });
  }
}
