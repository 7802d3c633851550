/** S3 bucket policies, found on the bucket or in an aws_s3_bucket_policy of any stack. */
import type { Resource } from "../model";
import { isPublicPrincipal } from "../../shared/public-access";
import { parsePolicy } from "../policy";
import { resourceRule, type RuleContext } from "../rule";

const BUCKET = ["aws_s3_bucket"];

/** Companion resources of a bucket, found through their `bucket` attribute in any stack. */
function companions(bucket: Resource, ctx: RuleContext, type: string): Resource[] {
  return ctx.model.referrers(bucket, type, "bucket");
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

export const s3Rules = [
  resourceRule({
    id: "FSBP_S3.5",
    title: "S3 bucket policy requires TLS",
    description:
      "No bucket policy denies requests with aws:SecureTransport = false, so plain HTTP requests are accepted.",
    remediation:
      'Start the bucket policy with { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, bucket/*], Condition: { Bool: { "aws:SecureTransport": "false" } } } (denyInsecureTransport in lib/iam.ts).',
    beyondCheckov: {
      check: "CKV_AWS_379",
      why: "Checkov's secure-transport check is reported on aws_s3_bucket_acl resources, so it judges only buckets that keep ACLs (here the two access-log buckets). This rule judges every bucket, with its policy found in whichever stack attaches it (the media bucket's is in the edge stack).",
    },
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
];
