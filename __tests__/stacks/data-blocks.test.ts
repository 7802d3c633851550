/**
 * The data layer's building blocks on their own, in a stack like the data layer's: the addresses they keep, the
 * proxy they add or leave out, and the suppressions that follow the configuration. (The stack: data.test.ts.)
 */
import { Names } from "../../lib/naming";
import { PostgresDatabase, type PostgresDatabaseProps } from "../../lib/postgres-database";
import { ReadCache } from "../../lib/read-cache";
import { config, synthInLayer } from "./layer-stack";
import { resources, type TerraformJson } from "./synth";

const names = new Names("app", "dev", "eu-west-1");
const dev = config.environments.dev;

describe("PostgresDatabase", () => {
  let connection: PostgresDatabase["connection"] | undefined;
  const database = (props: Partial<PostgresDatabaseProps>, settings: object = {}): TerraformJson =>
    synthInLayer(
      "data",
      (stack) => {
        connection = new PostgresDatabase(stack, "postgres", {
          names,
          region: "eu-west-1",
          accountId: () => stack.accountId,
          settings: { ...dev.database, ...settings },
          production: false,
          logRetentionDays: 30,
          kmsKeyArn: "key",
          opsTopicArn: "topic",
          subnetIds: ["subnet-1", "subnet-2"],
          securityGroupId: "sg-db",
          ...props,
        }).connection;
      },
      { comments: true },
    );
  const excused = (json: TerraformJson) =>
    ((resources(json, "aws_db_instance").postgres["//"] as any).suppressions as { rule: string }[])
      .map((s) => s.rule)
      .sort();

  it("keeps the data stack's addresses and adds neither a proxy nor an account lookup without one", () => {
    const json = database({});
    expect(Object.keys(resources(json, "aws_db_instance"))).toEqual(["postgres"]);
    expect(Object.keys(resources(json, "aws_cloudwatch_metric_alarm")).sort()).toEqual([
      "db-connections",
      "db-cpu",
      "db-storage",
    ]);
    expect(Object.keys(resources(json, "aws_cloudwatch_log_group")).sort()).toEqual([
      "db-postgresql-logs",
      "db-upgrade-logs",
    ]);
    expect(resources(json, "aws_db_proxy")).toEqual({});
    expect(json.data?.aws_caller_identity).toBeUndefined();
    expect(connection?.proxy).toBeUndefined();
  });

  it("puts an IAM-only proxy in front, for the given users only, in its own security group", () => {
    const json = database({ proxy: { securityGroupId: "sg-proxy", users: ["blog_api"] } });
    const proxy = Object.values(resources(json, "aws_db_proxy"));
    expect(proxy).toHaveLength(1);
    expect(proxy[0]).toMatchObject({ vpc_security_group_ids: ["sg-proxy"], default_auth_scheme: "IAM_AUTH" });
    const role = JSON.parse(String(Object.values(resources(json, "aws_iam_role_policy"))[0].policy));
    expect(role.Statement[0].Resource).toEqual([expect.stringMatching(/:dbuser:.*\/blog_api$/)]);
    expect(connection?.proxy?.endpoint).toBeDefined();
    expect(json.data?.aws_caller_identity).toBeDefined();
  });

  it("excuses single-AZ and no deletion protection only where the configuration chose them", () => {
    expect(excused(database({}, { multiAz: false, deletionProtection: false }))).toEqual([
      "CKV_AWS_118",
      "CKV_AWS_157",
      "CKV_AWS_293",
    ]);
    expect(excused(database({}, { multiAz: true, deletionProtection: true }))).toEqual(["CKV_AWS_118"]);
  });
});

describe("ReadCache", () => {
  const cache = (settings: object) =>
    synthInLayer(
      "data",
      (stack) => {
        new ReadCache(stack, "cache", {
          names,
          settings: { ...dev.cache, ...settings },
          production: false,
          kmsKeyArn: "key",
          opsTopicArn: "topic",
          subnetIds: ["subnet-1", "subnet-2"],
          securityGroupId: "sg-cache",
        });
      },
      { comments: true },
    );
  const group = (json: TerraformJson) => resources(json, "aws_elasticache_replication_group").cache as any;

  it("keeps the data stack's addresses: a powerless default user, the API's IAM user, the group and its alarm", () => {
    const json = cache({});
    const users = resources(json, "aws_elasticache_user");
    expect(users["cache-default-user"]).toMatchObject({
      user_name: "default",
      access_string: "off -@all",
    });
    expect(users["cache-api-user"]).toMatchObject({ authentication_mode: { type: "iam" } });
    expect(group(json)).toMatchObject({
      transit_encryption_mode: "required",
      security_group_ids: ["sg-cache"],
    });
    expect(Object.keys(resources(json, "aws_cloudwatch_metric_alarm"))).toEqual(["cache-memory"]);
  });

  it("excuses a single node or AZ only where the configuration chose it", () => {
    expect(group(cache({ nodeCount: 1, multiAz: false }))["//"].suppressions).toEqual([
      expect.objectContaining({ rule: "CKV2_AWS_50" }),
    ]);
    expect(group(cache({ nodeCount: 2, multiAz: true }))["//"]?.suppressions).toBeUndefined();
  });
});
