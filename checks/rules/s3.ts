/** S3 buckets and the companion resources that configure them (AWS provider ≥ 4 split them out). */
import { block, blocks, isObject, isTrue, type Resource } from "../model";
import { isPublicPrincipal } from "../../shared/public-access";
import { parsePolicy } from "../policy";
import { resourceRule, type RuleContext } from "../rule";

const BUCKET = ["aws_s3_bucket"];

/** Companion resources of a bucket, found through their `bucket` attribute in any stack. */
function companions(bucket: Resource, ctx: RuleContext, type: string): Resource[] {
  return ctx.model.referrers(bucket, type, "bucket");
}

function encryptionRules(bucket: Resource, ctx: RuleContext): { algorithm: string; key: unknown }[] {
  const configs = companions(bucket, ctx, "aws_s3_bucket_server_side_encryption_configuration").map(
    (c) => c.body,
  );
  // The deprecated inline block on aws_s3_bucket still works.
  const inline = blocks(bucket.body.server_side_encryption_configuration);
  return [...configs, ...inline]
    .flatMap((c) => blocks(c.rule))
    .map((r) => block(r.apply_server_side_encryption_by_default))
    .filter(isObject)
    .map((d) => ({ algorithm: String(d.sse_algorithm), key: d.kms_master_key_id }));
}

function bucketPolicies(bucket: Resource, ctx: RuleContext) {
  const attached = companions(bucket, ctx, "aws_s3_bucket_policy").map((p) => ({
    stack: p.stack,
    policy: p.body.policy,
  }));
  const inline =
    bucket.body.policy === undefined ? [] : [{ stack: bucket.stack, policy: bucket.body.policy }];
  return [...attached, ...inline].map((p) => parsePolicy(ctx.model, p.stack, p.policy));
}

const PUBLIC_ACCESS_FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
];

export const s3Rules = [
  resourceRule({
    id: "CKV2_AWS_6",
    aliases: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "FSBP_S3.8"],
    title: "S3 bucket blocks all public access",
    description:
      "The bucket has no aws_s3_bucket_public_access_block with all four flags true, so an ACL or policy can make objects public.",
    remediation:
      "Add aws_s3_bucket_public_access_block for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true (SecureBucket does).",
    types: BUCKET,
    check(bucket, ctx) {
      const blocks = companions(bucket, ctx, "aws_s3_bucket_public_access_block");
      if (blocks.length === 0) return "no aws_s3_bucket_public_access_block refers to this bucket";
      const missing = PUBLIC_ACCESS_FLAGS.filter((f) => !blocks.some((b) => isTrue(b.body[f])));
      return missing.length ? `public access block does not set ${missing.join(", ")} to true` : undefined;
    },
  }),
  resourceRule({
    id: "CKV_AWS_19",
    title: "S3 bucket has default encryption",
    description: "The bucket declares no server-side encryption configuration.",
    remediation:
      "Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms (or AES256 where a writer cannot use KMS).",
    types: BUCKET,
    check: (bucket, ctx) =>
      encryptionRules(bucket, ctx).some((r) => ["AES256", "aws:kms", "aws:kms:dsse"].includes(r.algorithm))
        ? undefined
        : "no aws_s3_bucket_server_side_encryption_configuration with AES256 or aws:kms refers to this bucket",
  }),
  resourceRule({
    id: "CKV_AWS_145",
    title: "S3 bucket is encrypted with KMS",
    description:
      "The bucket's default encryption is not SSE-KMS, so access to objects is not also governed by a key policy.",
    remediation:
      "Set sse_algorithm aws:kms with kms_master_key_id = the customer-managed key, and bucket_key_enabled true.",
    types: BUCKET,
    check: (bucket, ctx) =>
      encryptionRules(bucket, ctx).some((r) => r.algorithm.startsWith("aws:kms"))
        ? undefined
        : "default encryption is not aws:kms",
  }),
  resourceRule({
    id: "CKV_AWS_21",
    title: "S3 bucket has versioning enabled",
    description: "Without versioning an overwrite or delete loses the object for good.",
    remediation: 'Add aws_s3_bucket_versioning with versioning_configuration { status = "Enabled" }.',
    types: BUCKET,
    check(bucket, ctx) {
      const statuses = companions(bucket, ctx, "aws_s3_bucket_versioning").map(
        (v) => block(v.body.versioning_configuration)?.status,
      );
      const inline = blocks(bucket.body.versioning).some((v) => isTrue(v.enabled));
      return inline || statuses.includes("Enabled") ? undefined : "versioning is not Enabled";
    },
  }),
  resourceRule({
    id: "CKV_AWS_18",
    title: "S3 bucket has access logging",
    description: "Requests to the bucket are not logged, so access cannot be audited.",
    remediation: "Add aws_s3_bucket_logging with target_bucket = the access-log bucket and a target_prefix.",
    types: BUCKET,
    check(bucket, ctx) {
      const logging = companions(bucket, ctx, "aws_s3_bucket_logging").filter((l) => l.body.target_bucket);
      const inline = blocks(bucket.body.logging).some((l) => l.target_bucket);
      return logging.length || inline ? undefined : "no aws_s3_bucket_logging refers to this bucket";
    },
  }),
  resourceRule({
    id: "FSBP_S3.5",
    title: "S3 bucket policy requires TLS",
    description:
      "No bucket policy denies requests with aws:SecureTransport = false, so plain HTTP requests are accepted.",
    remediation:
      'Start the bucket policy with { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, bucket/*], Condition: { Bool: { "aws:SecureTransport": "false" } } } (denyInsecureTransport in lib/iam.ts).',
    types: BUCKET,
    check(bucket, ctx) {
      const policies = bucketPolicies(bucket, ctx);
      if (policies.length === 0) return "the bucket has no bucket policy";
      const unreadable = policies.find((p) => !p.ok);
      const requiresTls = policies.some(
        (p) =>
          p.ok &&
          p.statements.some(
            (s) =>
              s.effect === "Deny" &&
              isPublicPrincipal(s) &&
              s.actions.some((a) => a === "*" || a === "s3:*") &&
              s.conditions.get("bool")?.get("aws:securetransport")?.includes("false"),
          ),
      );
      if (requiresTls) return undefined;
      return unreadable && !unreadable.ok
        ? unreadable.error
        : "no statement denies s3:* when aws:SecureTransport is false";
    },
  }),
  resourceRule({
    id: "CKV2_AWS_65",
    title: "S3 bucket disables ACLs (BucketOwnerEnforced)",
    description: "ACLs are still enabled on the bucket, a second, hard-to-audit way to grant access.",
    remediation:
      'Add aws_s3_bucket_ownership_controls with rule { object_ownership = "BucketOwnerEnforced" }.',
    types: BUCKET,
    check(bucket, ctx) {
      const modes = companions(bucket, ctx, "aws_s3_bucket_ownership_controls").map(
        (o) => block(o.body.rule)?.object_ownership,
      );
      if (modes.includes("BucketOwnerEnforced")) return undefined;
      return modes.length
        ? `object_ownership is ${String(modes[0])}, not BucketOwnerEnforced`
        : "no aws_s3_bucket_ownership_controls refers to this bucket";
    },
  }),
];
