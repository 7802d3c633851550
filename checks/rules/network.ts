/** VPC, subnets and security groups. */
import { blocks, isSet, isTrue, type Resource } from "../model";
import { resourceRule, type RuleContext } from "../rule";

/** Subnets whose route table sends 0.0.0.0/0 to an internet gateway. */
function isPublicSubnet(subnet: Resource, ctx: RuleContext): boolean {
  const tables = ctx.model
    .referrers(subnet, "aws_route_table_association", "subnet_id")
    .flatMap((a) => ctx.model.referencedBy(a.stack, a.body.route_table_id))
    .filter((t) => t.type === "aws_route_table");
  return tables.some((table) => {
    const inline = blocks(table.body.route).map((r) => r.gateway_id);
    const separate = ctx.model.referrers(table, "aws_route", "route_table_id").map((r) => r.body.gateway_id);
    return [...inline, ...separate].some((gateway) =>
      ctx.model.referencedBy(table.stack, gateway).some((g) => g.type === "aws_internet_gateway"),
    );
  });
}

export const networkRules = [
  resourceRule({
    id: "CKV2_AWS_11",
    title: "VPC has flow logs",
    description: "Traffic in the VPC is not recorded, so an incident cannot be investigated.",
    remediation: 'Add aws_flow_log with vpc_id, traffic_type = "ALL" and a log group with retention.',
    types: ["aws_vpc"],
    check: (vpc, ctx) =>
      ctx.model.referrers(vpc, "aws_flow_log", "vpc_id").length
        ? undefined
        : "no aws_flow_log refers to this VPC",
  }),
  resourceRule({
    id: "CKV2_AWS_12",
    title: "VPC's default security group has no rules",
    description:
      "The default security group allows traffic between everything placed in it, and resources fall into it by default.",
    remediation: "Adopt it with aws_default_security_group { vpc_id = ... } and no ingress or egress blocks.",
    types: ["aws_vpc"],
    check(vpc, ctx) {
      const defaults = ctx.model.referrers(vpc, "aws_default_security_group", "vpc_id");
      if (defaults.length === 0) return "no aws_default_security_group strips the default group's rules";
      return defaults.flatMap((d) =>
        isSet(d.body.ingress) || isSet(d.body.egress)
          ? [`${d.address} still has ingress or egress rules`]
          : [],
      );
    },
  }),
  resourceRule({
    id: "CKV_AWS_130",
    title: "Only public subnets assign public IPs",
    description:
      "A subnet without a route to an internet gateway still gives instances a public IP on launch.",
    remediation: "Set map_public_ip_on_launch = false on private and isolated subnets.",
    types: ["aws_subnet"],
    check: (subnet, ctx) =>
      isTrue(subnet.body.map_public_ip_on_launch) && !isPublicSubnet(subnet, ctx)
        ? "map_public_ip_on_launch is true on a subnet without an internet gateway route"
        : undefined,
  }),
];
