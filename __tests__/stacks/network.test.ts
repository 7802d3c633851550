import { asArray, only, resources, synthApp } from "./synth";

const devOnly = (dev: Record<string, unknown>) => ({ environments: { dev } });

describe("network stack", () => {
  const app = synthApp();
  const dev = app.stack("myblog-dev-network");
  const prod = app.stack("myblog-prod-network");

  it("names stacks <app>-<env>-<layer> for every environment", () => {
    expect(app.stackNames).toEqual([
      "myblog-dev-api",
      "myblog-dev-data",
      "myblog-dev-edge",
      "myblog-dev-events",
      "myblog-dev-network",
      "myblog-prod-api",
      "myblog-prod-data",
      "myblog-prod-edge",
      "myblog-prod-events",
      "myblog-prod-network",
      "myblog-state-bootstrap",
    ]);
  });

  it("spreads public, private and isolated subnets over the configured AZs, none mapping public IPs", () => {
    expect(only(dev, "aws_vpc")).toMatchObject({ cidr_block: "10.10.0.0/16" });
    const subnets = Object.values(resources(dev, "aws_subnet"));
    expect(subnets).toHaveLength(6);
    expect(Object.values(resources(prod, "aws_subnet"))).toHaveLength(9);
    for (const subnet of subnets) expect(subnet.map_public_ip_on_launch).toBe(false);
  });

  it("creates NAT gateways according to natMode", () => {
    expect(resources(dev, "aws_nat_gateway")).toEqual({});
    expect(Object.keys(resources(prod, "aws_nat_gateway"))).toHaveLength(3);
    const single = synthApp(devOnly({ network: { natMode: "single" } })).stack("myblog-dev-network");
    expect(Object.keys(resources(single, "aws_nat_gateway"))).toHaveLength(1);
    expect(Object.values(resources(single, "aws_route")).filter((r) => r.nat_gateway_id)).toHaveLength(2);
  });

  it("has S3 and DynamoDB gateway endpoints, and a Secrets Manager endpoint only without NAT", () => {
    const endpoints = (stack: typeof dev) =>
      Object.values(resources(stack, "aws_vpc_endpoint")).map(
        (e) => `${e.service_name} ${e.vpc_endpoint_type}`,
      );
    expect(endpoints(dev).sort()).toEqual([
      "com.amazonaws.eu-west-1.dynamodb Gateway",
      "com.amazonaws.eu-west-1.s3 Gateway",
      "com.amazonaws.eu-west-1.secretsmanager Interface",
    ]);
    expect(endpoints(prod)).toHaveLength(2);
  });

  it("logs flows with retention and locks the default security group down", () => {
    expect(only(dev, "aws_flow_log")).toMatchObject({
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
    });
    const flowLogs = resources(dev, "aws_cloudwatch_log_group")["flow-logs"];
    expect(flowLogs.retention_in_days).toBe(30);
    const defaultSg = only(dev, "aws_default_security_group");
    expect(defaultSg.ingress).toBeUndefined();
    expect(defaultSg.egress).toBeUndefined();
  });

  it("lets only the API function reach Redis and only the API and migration functions reach PostgreSQL", () => {
    const ingress = Object.values(resources(dev, "aws_vpc_security_group_ingress_rule"));
    for (const rule of ingress) {
      expect(rule.cidr_ipv4).toBeUndefined();
      expect(rule.cidr_ipv6).toBeUndefined();
    }
    const into = (group: string) =>
      ingress
        .filter((r) => r.security_group_id === `\${aws_security_group.${group}.id}`)
        .map((r) => `${r.referenced_security_group_id}:${r.from_port}`)
        .sort();
    expect(into("database")).toEqual([
      "${aws_security_group.api-fn.id}:5432",
      "${aws_security_group.migrate-fn.id}:5432",
    ]);
    expect(into("cache")).toEqual(["${aws_security_group.api-fn.id}:6379"]);
    expect(JSON.stringify(dev)).not.toMatch(/"ingress"[^\]]*0\.0\.0\.0\/0/);
  });

  it("with the RDS Proxy (prod), lets the API reach only the proxy, and the proxy and migration function PostgreSQL", () => {
    const rules = (type: string) => Object.values(resources(prod, type));
    const flows = (type: string, own: string, other: string) =>
      rules(type)
        .filter((r) =>
          /aws_security_group\.(api-fn|migrate-fn|database|database-proxy)\.id/.test(String(r[own])),
        )
        .map((r) => `${String(r[own])} ${String(r[other])}:${String(r.from_port)}`)
        .map((flow) => flow.replace(/\$\{aws_security_group\.([^.]+)\.id\}/g, "$1"))
        .filter((flow) => flow.endsWith(":5432"))
        .sort();
    expect(
      flows("aws_vpc_security_group_ingress_rule", "security_group_id", "referenced_security_group_id"),
    ).toEqual(
      ["database migrate-fn:5432", "database database-proxy:5432", "database-proxy api-fn:5432"].sort(),
    );
    expect(
      flows("aws_vpc_security_group_egress_rule", "security_group_id", "referenced_security_group_id"),
    ).toEqual(["api-fn database-proxy:5432", "database-proxy database:5432", "migrate-fn database:5432"]);
    // The proxy needs no way out but to the database: IAM tokens are signed, not fetched.
    expect(
      rules("aws_vpc_security_group_egress_rule").filter((r) =>
        /database-proxy/.test(String(r.security_group_id)),
      ),
    ).toHaveLength(1);
  });

  it("holds the shared foundations: a rotated KMS key, the access-log bucket and an encrypted ops topic", () => {
    expect(only(dev, "aws_kms_key")).toMatchObject({ enable_key_rotation: true });
    expect(only(dev, "aws_sns_topic").kms_master_key_id).toBe("${aws_kms_key.key.arn}");
    const withEmails = synthApp(devOnly({ alarmEmails: ["ops@example.com"] })).stack("myblog-dev-network");
    expect(only(withEmails, "aws_sns_topic_subscription")).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
    });
  });

  it("tags every taggable resource with app, env, layer and managed-by", () => {
    const vpc = only(dev, "aws_vpc");
    expect(vpc.tags).toMatchObject({ app: "myblog", env: "dev", layer: "network", "managed-by": "cdktf" });
    const tagged = synthApp(devOnly({}), {}).stack("myblog-dev-network");
    expect(only(tagged, "aws_kms_key").tags).toMatchObject({ layer: "network" });
  });
});

describe("adopting an existing VPC", () => {
  const existingVpc = {
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-0000000000000000a", "subnet-0000000000000000b"],
    isolatedSubnetIds: ["subnet-0000000000000000c", "subnet-0000000000000000d"],
  };
  const app = synthApp(devOnly({ network: { existingVpc } }));
  const network = app.stack("myblog-dev-network");

  it("creates no VPC, subnets, gateways or routes", () => {
    for (const type of [
      "aws_vpc",
      "aws_subnet",
      "aws_internet_gateway",
      "aws_nat_gateway",
      "aws_route_table",
    ]) {
      expect(resources(network, type)).toEqual({});
    }
  });

  it("puts the security groups in the given VPC and the functions and database in the given subnets", () => {
    for (const sg of Object.values(resources(network, "aws_security_group")))
      expect(sg.vpc_id).toBe(existingVpc.vpcId);
    const api = app.stack("myblog-dev-api");
    const fn = Object.values(resources(api, "aws_lambda_function")).find((f) =>
      String(f.function_name).endsWith("-api"),
    )!;
    expect(asArray((fn.vpc_config as Record<string, unknown>).subnet_ids)).toEqual(
      existingVpc.privateSubnetIds,
    );
    expect(only(app.stack("myblog-dev-data"), "aws_db_subnet_group").subnet_ids).toEqual(
      existingVpc.isolatedSubnetIds,
    );
  });
});
