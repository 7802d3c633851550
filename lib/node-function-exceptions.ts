/**
 * Checkov checks that every NodeFunction fails by design, each excused on the function it concerns with
 * the reason; the pack's own rules check the part of the claim that can be checked
 * (BLOG_LAMBDA_ASYNC_FAILURE_DESTINATION, BLOG_LAMBDA_VPC_WHERE_NEEDED, BLOG_NO_STATE_SECRETS, BLOG_LAMBDA_NO_ENV_SECRETS).
 */
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { suppress } from "../checks/suppress";
import { acceptRetentionBelowAYear } from "./log-retention";

export function acceptNodeFunctionExceptions(
  fn: LambdaFunction,
  logGroup: CloudwatchLogGroup,
  props: { readonly inVpc: boolean; readonly logRetentionDays: number },
): void {
  suppress(
    fn,
    "CKV_AWS_272",
    "Code signing needs the package in S3 signed by AWS Signer; this function deploys a local, deterministic zip whose source_code_hash the plan shows",
  );
  suppress(
    fn,
    "CKV_AWS_173",
    "The environment holds names, ARNs and endpoints, and in the API function the origin-verification values, which CloudFront's origin configuration and the Terraform state hold too, so a customer-managed key would keep them from no one who can read the function; other secrets stay in Secrets Manager and BLOG_LAMBDA_NO_ENV_SECRETS fails secret-looking variables. Lambda encrypts it at rest with its service key",
  );
  suppress(
    fn,
    "CKV_AWS_116",
    "No legacy dead_letter_config: synchronous callers get the error, async invocations and stream mappings have on-failure destinations (BLOG_LAMBDA_ASYNC_FAILURE_DESTINATION and BLOG_STREAM_ON_FAILURE check each trigger)",
  );
  if (!props.inVpc) {
    suppress(
      fn,
      "CKV_AWS_117",
      "Reaches no database or cache, so it stays out of the VPC: no ENIs, no NAT, no cold-start cost (BLOG_LAMBDA_VPC_WHERE_NEEDED fails it if that changes)",
    );
  }
  acceptRetentionBelowAYear(logGroup, props.logRetentionDays, "logRetentionDays");
}
