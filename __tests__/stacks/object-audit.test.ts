/** Object-level audit logs (audit.objectLevelLogging): on in the prod preset, off in dev, and what each setting makes. */
import { policy, resources, synthApp } from "./synth";

const trails = (stack: ReturnType<ReturnType<typeof synthApp>["stack"]>) =>
  Object.values(resources(stack, "aws_cloudtrail"));
const keyPolicy = (stack: ReturnType<ReturnType<typeof synthApp>["stack"]>) =>
  policy(Object.values(resources(stack, "aws_kms_key"))[0].policy).Statement;

describe("object-level audit logs", () => {
  const app = synthApp();

  it("are off in dev: no trail, and the key lets no trail use it", () => {
    expect(trails(app.stack("myblog-dev-edge"))).toEqual([]);
    expect(keyPolicy(app.stack("myblog-dev-network")).map((s) => s.Sid)).not.toContain(
      "CloudTrailEncryptsObjectAuditLogs",
    );
  });

  it("log object writes of the uploads, media and site buckets in prod, validated and under the environment's key", () => {
    const edge = app.stack("myblog-prod-edge");
    const [trail] = trails(edge);
    expect(trail).toMatchObject({
      name: "myblog-prod-object-audit",
      enable_log_file_validation: true,
      is_multi_region_trail: false,
      include_global_service_events: false,
    });
    expect(trail.kms_key_id).toMatch(/remote_state\.[^.]*-network\.outputs\.[^}]*aws_kms_key/);
    const [selector] = trail.advanced_event_selector as { field_selector: Record<string, unknown>[] }[];
    expect(selector.field_selector).toEqual([
      { field: "eventCategory", equals: ["Data"] },
      { field: "resources.type", equals: ["AWS::S3::Object"] },
      { field: "readOnly", equals: ["false"] },
      {
        field: "resources.ARN",
        starts_with: [
          expect.stringMatching(/-data\.outputs\.[^}]*uploads_bucket[^}]*arn\}\/$/),
          expect.stringMatching(/-data\.outputs\.[^}]*media_bucket[^}]*arn\}\/$/),
          expect.stringMatching(/^\$\{aws_s3_bucket\.web_bucket_[^.]*\.arn\}\/$/),
        ],
      },
    ]);
    // Its own bucket is not among them.
    expect(JSON.stringify(selector)).not.toContain("object-audit");
    expect(trail.s3_bucket_name).toMatch(/aws_s3_bucket\.object-audit_logs_bucket/);
  });

  it("deliver to their own bucket, for this trail only, kept retentionDays, and the key lets only this trail use it", () => {
    const edge = app.stack("myblog-prod-edge");
    const bucketPolicy = Object.entries(resources(edge, "aws_s3_bucket_policy")).find(([id]) =>
      id.startsWith("object-audit"),
    )![1];
    const statements = policy(bucketPolicy.policy).Statement;
    const trailArn =
      "arn:aws:cloudtrail:eu-west-1:${data.aws_caller_identity.caller.account_id}:trail/myblog-prod-object-audit";
    expect(statements.map((s) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "CloudTrailChecksBucketAcl",
      "CloudTrailDeliversLogFiles",
    ]);
    expect(statements[2]).toMatchObject({
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    const lifecycle = Object.entries(resources(edge, "aws_s3_bucket_lifecycle_configuration")).find(([id]) =>
      id.startsWith("object-audit"),
    )![1];
    expect(JSON.stringify(lifecycle.rule)).toContain('"days":365');
    const key = keyPolicy(app.stack("myblog-prod-network")).find(
      (s) => s.Sid === "CloudTrailEncryptsObjectAuditLogs",
    );
    expect(key).toMatchObject({
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Condition: {
        StringEquals: { "aws:SourceArn": expect.stringMatching(/:trail\/myblog-prod-object-audit$/) },
      },
    });
  });

  it("log reads too with logReads, and from every region with multiRegion", () => {
    const edge = synthApp({
      environments: { dev: { audit: { objectLevelLogging: true, logReads: true, multiRegion: true } } },
    }).stack("myblog-dev-edge");
    const [trail] = trails(edge);
    expect(trail).toMatchObject({ is_multi_region_trail: true, include_global_service_events: true });
    const fields = (trail.advanced_event_selector as { field_selector: { field: string }[] }[])[0]
      .field_selector;
    expect(fields.map((f) => f.field)).not.toContain("readOnly");
    const skipped = (trail["//"] as { suppressions: { rule: string }[] }).suppressions.map((s) => s.rule);
    expect(skipped).not.toContain("CKV_AWS_67");
  });
});
