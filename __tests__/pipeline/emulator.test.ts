/**
 * The emulated deploy's own logic, on small stacks: what it leaves out for a listed emulator gap (and only
 * that), which re-plan differences a gap explains (and only those), and the provider override it writes.
 * The deploy itself runs against moto in `npm run deploy:local` (a step of .ci/run).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EMULATOR_GAPS } from "../../pipeline/emulator-gaps";
import { OVERRIDE_FILE, writeEmulatorOverrides } from "../../pipeline/emulator-override";
import {
  excludeNotImplemented,
  notDeletable,
  replanFindings,
  standInValue,
} from "../../pipeline/emulator-plan";
import { grownStorage, nextMinor } from "../../pipeline/emulated-upgrade";
import type { StackInfo } from "../../pipeline/manifest";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-emulator-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeStack(name: string, json: unknown): StackInfo {
  const workingDirectory = path.join(dir, "stacks", name);
  fs.mkdirSync(workingDirectory, { recursive: true });
  const synthesizedStackPath = path.join(workingDirectory, "cdk.tf.json");
  fs.writeFileSync(synthesizedStackPath, JSON.stringify(json));
  return { name, workingDirectory, synthesizedStackPath, dependencies: [] };
}

const read = (stack: StackInfo) => JSON.parse(fs.readFileSync(stack.synthesizedStackPath, "utf8"));

test("every gap says what the emulator answers and why it is not a defect of the stacks", () => {
  expect(EMULATOR_GAPS.length).toBeGreaterThan(0);
  for (const gap of EMULATOR_GAPS) {
    expect(gap.resource).toMatch(/^aws_[a-z0-9_]+(\.[A-Za-z0-9_-]+)?$/);
    expect(gap.emulatorSays.length).toBeGreaterThan(10);
    expect(gap.why.length).toBeGreaterThan(10);
  }
});

test("a resource the emulator cannot create is left out, and references to it get stand-ins of their shape", () => {
  const stack = writeStack("s", {
    resource: {
      aws_elasticache_replication_group: { cache: { replication_group_id: "c" } },
      aws_lambda_function: {
        api: {
          environment: {
            variables: {
              CACHE_HOST: "${aws_elasticache_replication_group.cache.primary_endpoint_address}",
              CACHE_URL: "rediss://${aws_elasticache_replication_group.cache.primary_endpoint_address}:6379",
              TABLE: "${aws_dynamodb_table.t.name}",
            },
          },
          depends_on: ["aws_elasticache_replication_group.cache", "aws_dynamodb_table.t"],
        },
      },
      aws_ses_configuration_set: { mail: { name: "m", delivery_options: { tls_policy: "Require" } } },
    },
    output: { cache: { value: "${aws_elasticache_replication_group.cache.arn}" } },
  });

  const excluded = excludeNotImplemented([stack]);

  expect(excluded.get("s")).toEqual([
    "aws_elasticache_replication_group.cache",
    "aws_ses_configuration_set.mail.delivery_options",
  ]);
  const json = read(stack);
  expect(json.resource.aws_elasticache_replication_group).toBeUndefined();
  expect(json.resource.aws_ses_configuration_set.mail).toEqual({ name: "m" });
  const fn = json.resource.aws_lambda_function.api;
  expect(fn.environment.variables).toEqual({
    CACHE_HOST: "cache.emulator-gap.invalid",
    CACHE_URL: "rediss://cache.emulator-gap.invalid:6379",
    TABLE: "${aws_dynamodb_table.t.name}",
  });
  expect(fn.depends_on).toEqual(["aws_dynamodb_table.t"]);
  expect(json.output.cache.value).toMatch(/^arn:aws:elasticache:/);
});

test("an argument whose default is the missing call gets the gap's value instead of being left out", () => {
  const code = "function handler(event) { return event.request; }";
  const stack = writeStack("edge", {
    resource: {
      aws_cloudfront_function: {
        "viewer-request": { name: "v", runtime: "cloudfront-js-2.0", code, publish: true },
      },
    },
  });
  expect(excludeNotImplemented([stack]).get("edge")).toEqual([
    "aws_cloudfront_function.viewer-request.publish",
  ]);
  // Created, with its code, unpublished: moto has no PublishFunction.
  expect(read(stack).resource.aws_cloudfront_function["viewer-request"]).toEqual({
    name: "v",
    runtime: "cloudfront-js-2.0",
    code,
    publish: false,
  });
});

test("a stack without gaps is left byte for byte as synthesized", () => {
  const stack = writeStack("plain", { resource: { aws_sqs_queue: { q: { name: "q" } } } });
  const before = fs.readFileSync(stack.synthesizedStackPath, "utf8");
  expect(excludeNotImplemented([stack]).get("plain")).toEqual([]);
  expect(fs.readFileSync(stack.synthesizedStackPath, "utf8")).toBe(before);
});

test("stand-ins have the shape of the attribute", () => {
  expect(standInValue("aws_sqs_queue", "dlq", "arn")).toBe("arn:aws:sqs:us-east-1:123456789012:dlq");
  expect(standInValue("aws_elasticache_replication_group", "c", "port")).toBe("6379");
  expect(standInValue("aws_db_instance", "db", "address")).toBe("db.emulator-gap.invalid");
  expect(standInValue("aws_sqs_queue", "dlq", "name")).toBe("dlq-emulator-gap");
});

const update = (address: string, type: string, before: object, after: object) => ({
  address,
  type,
  change: { actions: ["update"], before, after, after_unknown: {} },
});

test("a re-plan difference is excused only when a listed gap names every attribute that differs", () => {
  const findings = replanFindings({
    resource_changes: [
      update(
        "aws_db_instance.postgres",
        "aws_db_instance",
        { performance_insights_enabled: false, tags: { a: "1" } },
        { performance_insights_enabled: true, tags: { a: "1" } },
      ),
      update(
        "aws_db_instance.other",
        "aws_db_instance",
        { performance_insights_enabled: false, instance_class: "db.t4g.micro" },
        { performance_insights_enabled: true, instance_class: "db.t4g.small" },
      ),
      update("aws_sqs_queue.q", "aws_sqs_queue", { delay_seconds: 0 }, { delay_seconds: 5 }),
      {
        address: "aws_db_parameter_group.p",
        type: "aws_db_parameter_group",
        change: { actions: ["delete", "create"], before: {}, after: {} },
      },
      { address: "data.aws_caller_identity.c", type: "aws_caller_identity", change: { actions: ["read"] } },
      { address: "aws_kms_key.k", type: "aws_kms_key", change: { actions: ["no-op"] } },
    ],
  });

  expect(findings.map((f) => [f.address, f.attributes, f.ignored])).toEqual([
    ["aws_db_instance.postgres", ["performance_insights_enabled"], true],
    ["aws_db_instance.other", ["instance_class", "performance_insights_enabled"], false],
    ["aws_sqs_queue.q", ["delay_seconds"], false],
    // A replacement is never excused, whatever its attributes.
    ["aws_db_parameter_group.p", [], false],
  ]);
});

test("the override points every provider block, aliases included, at the emulator", () => {
  writeStack("edge", {
    provider: { aws: [{ region: "eu-west-1" }, { alias: "us-east-1", region: "us-east-1" }] },
  });
  writeStack("no-aws", { resource: { terraform_data: { x: {} } } });

  expect(writeEmulatorOverrides(dir, "https://127.0.0.1:4566")).toEqual(["edge"]);

  const override = JSON.parse(fs.readFileSync(path.join(dir, "stacks", "edge", OVERRIDE_FILE), "utf8"));
  const [main, alias] = override.provider.aws;
  expect(alias.alias).toBe("us-east-1");
  for (const block of [main, alias]) {
    expect(block).toMatchObject({ max_retries: 2, skip_requesting_account_id: false, insecure: true });
    expect(block.endpoints[0].s3).toBe("https://127.0.0.1:4566");
    expect(block.endpoints[0].sts).toBe("https://127.0.0.1:4566");
    expect(block.region).toBeUndefined();
  }
  expect(fs.existsSync(path.join(dir, "stacks", "no-aws", OVERRIDE_FILE))).toBe(false);
});

test("resources the emulator cannot delete are named for removal from state, data sources and others not", () => {
  const state = {
    resources: [
      { mode: "managed", type: "aws_elasticache_subnet_group", name: "cache-subnets" },
      { mode: "managed", type: "aws_sqs_queue", name: "dlq" },
      { mode: "data", type: "aws_elasticache_subnet_group", name: "existing" },
    ],
  };
  expect(notDeletable(state)).toEqual(["aws_elasticache_subnet_group.cache-subnets"]);
});

test("a nested gap path excuses only that leaf: another change in the same block still counts", () => {
  const origin = (oac: string, domain: string) => ({ origin_access_control_id: oac, domain_name: domain });
  const [onlyOac, alsoDomain] = replanFindings({
    resource_changes: [
      update(
        "aws_cloudfront_distribution.cdn",
        "aws_cloudfront_distribution",
        { origin: [origin("", "a.example")] },
        { origin: [origin("E2OAC", "a.example")] },
      ),
      update(
        "aws_cloudfront_distribution.other",
        "aws_cloudfront_distribution",
        { origin: [origin("", "a.example")] },
        { origin: [origin("E2OAC", "b.example")] },
      ),
    ],
  });
  expect(onlyOac).toMatchObject({ attributes: ["origin[*].origin_access_control_id"], ignored: true });
  expect(alsoDomain).toMatchObject({
    attributes: ["origin[*].domain_name", "origin[*].origin_access_control_id"],
    ignored: false,
  });
});

test("the upgrade check's stand-in for AWS: the next minor of the same major, storage grown as autoscaling grows it", () => {
  expect(nextMinor("16")).toBe("16.1");
  expect(nextMinor("16.6")).toBe("16.7");
  expect(nextMinor("17.10")).toBe("17.11");
  expect(() => nextMinor("latest")).toThrow(/not a PostgreSQL version/);
  expect(grownStorage(20, 50)).toBe(30);
  expect(grownStorage(200, 500)).toBe(220);
  expect(grownStorage(45, 50)).toBe(50);
});
