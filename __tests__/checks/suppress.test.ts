import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { suppress, SuppressionError } from "../../checks/suppress";

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const appOutdir = fs.mkdtempSync(path.join(os.tmpdir(), "checks-suppress-"));
outdirs.push(appOutdir);

/** Full synth (Testing.synth strips every `//` key, the rule pack reads the real cdk.tf.json). */
function synthBucket(configure: (bucket: S3Bucket) => void): Record<string, unknown> {
  const stack = new TerraformStack(Testing.app({ outdir: appOutdir }), "fixture");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const bucket = new S3Bucket(stack, "logs", { bucketPrefix: "logs-" });
  configure(bucket);
  const outdir = Testing.fullSynth(stack);
  outdirs.push(outdir);
  const file = path.join(outdir, "stacks", "fixture", "cdk.tf.json");
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as {
    resource: { aws_s3_bucket: Record<string, Record<string, unknown>> };
  };
  return Object.values(parsed.resource.aws_s3_bucket)[0];
}

describe("suppress()", () => {
  it("records suppressions under the resource's // key and accumulates them", () => {
    const bucket = synthBucket((b) => {
      suppress(b, "CKV_AWS_18", "this is the access-log bucket itself");
      suppress(b, "CKV_AWS_21", "log objects are write-once");
    });
    const comment = bucket["//"] as { suppressions: unknown; metadata: unknown };
    expect(comment.suppressions).toEqual([
      { rule: "CKV_AWS_18", reason: "this is the access-log bucket itself" },
      { rule: "CKV_AWS_21", reason: "log objects are write-once" },
    ]);
    // cdktf's own metadata survives next to ours
    expect(comment.metadata).toBeDefined();
    expect(bucket.bucket_prefix).toBe("logs-");
  });

  it("throws at once on an empty reason", () => {
    expect(() => synthBucket((b) => suppress(b, "CKV_AWS_18", "  "))).toThrow(SuppressionError);
    expect(() => synthBucket((b) => suppress(b, "CKV_AWS_18", ""))).toThrow(/a reason is required/);
  });

  it("throws on an empty rule id and on the same rule twice", () => {
    expect(() => synthBucket((b) => suppress(b, "", "why"))).toThrow(/rule id is empty/);
    expect(() =>
      synthBucket((b) => {
        suppress(b, "CKV_AWS_18", "a");
        suppress(b, "CKV_AWS_18", "b");
      }),
    ).toThrow(/already suppressed/);
  });

  it("records them on a data source too (cdktf rewrites a data source's // key after its own overrides)", () => {
    const stack = new TerraformStack(Testing.app({ outdir: appOutdir }), "data-fixture");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const azs = new DataAwsAvailabilityZones(stack, "azs", { state: "available" });
    suppress(azs, "CKV_AWS_394", "zones are taken by index");
    suppress(azs, "CKV_AWS_999", "a second one");
    const outdir = Testing.fullSynth(stack);
    outdirs.push(outdir);
    const json = JSON.parse(
      fs.readFileSync(path.join(outdir, "stacks", "data-fixture", "cdk.tf.json"), "utf8"),
    );
    const comment = json.data.aws_availability_zones.azs["//"];
    expect(comment.suppressions).toEqual([
      { rule: "CKV_AWS_394", reason: "zones are taken by index" },
      { rule: "CKV_AWS_999", reason: "a second one" },
    ]);
    expect(comment.metadata).toBeDefined();
  });
});
