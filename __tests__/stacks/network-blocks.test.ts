/**
 * The network layer's building blocks on their own: groups that keep their resources' addresses, and the
 * security-group table built from the flows the layers declare.
 */
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { keepAddresses } from "../../lib/addressing";
import { Names } from "../../lib/naming";
import { SecurityGroupTable, type NetworkAccess } from "../../lib/security-groups";
import type { BlogStack } from "../../stacks/blog-stack";
import { synthInLayer } from "./layer-stack";

const synth = (define: (stack: BlogStack) => void) => synthInLayer("network", define);

describe("keepAddresses", () => {
  it("addresses a grouped resource as if its group's parent declared it, nested constructs included", () => {
    const flat = synth((stack) => {
      new SnsTopic(stack, "topic", {});
      new SnsTopic(new Construct(stack, "inner"), "nested", {});
    });
    const grouped = synth((stack) => {
      const group = keepAddresses(new Construct(stack, "group"));
      new SnsTopic(group, "topic", {});
      new SnsTopic(new Construct(group, "inner"), "nested", {});
    });
    expect(Object.keys(grouped.resource?.aws_sns_topic ?? {})).toEqual(
      Object.keys(flat.resource?.aws_sns_topic ?? {}),
    );
    expect(Object.keys(flat.resource?.aws_sns_topic ?? {})).toContain("topic");
  });

  it("refuses two resources that would share an address", () => {
    expect(() =>
      synth((stack) => {
        new SnsTopic(keepAddresses(new Construct(stack, "a")), "topic", {});
        new SnsTopic(keepAddresses(new Construct(stack, "b")), "topic", {});
      }),
    ).toThrow("would share the Terraform address topic");
  });
});

describe("SecurityGroupTable", () => {
  const servers: NetworkAccess = { groups: { database: { description: "PostgreSQL" } } };
  const table = (access: NetworkAccess[]) =>
    synth((stack) => {
      new SecurityGroupTable(stack, "groups", {
        names: new Names("app", "dev", "eu-west-1"),
        vpcId: "vpc-1",
        access,
      });
    });

  it("turns one declared flow into a group, an ingress rule on the target and an egress rule on the source", () => {
    const reports: NetworkAccess = {
      groups: { "reports-fn": { description: "Reports function", callsAwsApis: true } },
      flows: [{ from: "reports-fn", to: "database", port: 5432, description: "Reports to PostgreSQL" }],
    };
    const json = table([servers, reports]);
    expect(Object.keys(json.resource?.aws_security_group ?? {})).toEqual(["database", "reports-fn"]);
    expect(json.resource?.aws_vpc_security_group_ingress_rule?.["reports-to-database-in"]).toMatchObject({
      from_port: 5432,
      to_port: 5432,
    });
    expect(Object.keys(json.resource?.aws_vpc_security_group_egress_rule ?? {})).toEqual([
      "reports-https-out",
      "reports-to-database-out",
    ]);
  });

  it("refuses a flow to an undeclared group and a group declared twice", () => {
    const stray: NetworkAccess = { flows: [{ from: "database", to: "cache", port: 6379, description: "x" }] };
    expect(() => table([servers, stray])).toThrow('no security group "cache" is declared');
    expect(() => table([servers, servers])).toThrow('security group "database" is declared twice');
  });
});
