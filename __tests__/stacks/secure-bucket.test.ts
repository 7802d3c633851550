/** SecureBucket's lifecycle defaults: one bucket-wide rule unless a caller overrides its parts. */
import { Testing } from "cdktf";
import { SecureBucket, type SecureBucketProps } from "../../lib/secure-bucket";
import { only, type TerraformJson } from "./synth";

const rules = (props: Partial<SecureBucketProps>) => {
  const json: TerraformJson = JSON.parse(
    Testing.synthScope((scope) => new SecureBucket(scope, "b", { bucketPrefix: "p-", ...props })),
  );
  return only(json, "aws_s3_bucket_lifecycle_configuration").rule;
};

describe("SecureBucket lifecycle", () => {
  it("expires noncurrent versions after 30 days and aborts incomplete uploads after 1 by default", () => {
    expect(rules({})).toEqual([
      {
        id: "expire-old-versions",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
      },
    ]);
  });

  it("keeps the caller's prefix rules first and lets each part of the bucket-wide rule be overridden", () => {
    const prefixRule = {
      id: "tmp",
      status: "Enabled",
      filter: [{ prefix: "tmp/" }],
      expiration: [{ days: 1 }],
    };
    expect(
      rules({
        lifecycleRules: [prefixRule],
        lifecycle: {
          ruleId: "wide",
          noncurrentVersionDays: false,
          abortIncompleteUploadDays: 2,
          expireAfterDays: 9,
        },
      }),
    ).toEqual([
      { id: "tmp", status: "Enabled", filter: [{ prefix: "tmp/" }], expiration: [{ days: 1 }] },
      {
        id: "wide",
        status: "Enabled",
        filter: [{ prefix: "" }],
        expiration: [{ days: 9 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 2 }],
      },
    ]);
  });
});
