/** What counts as public (shared/public-access.ts, the plan summary's definition too), applied to the stacks. */
import { openIngress, isPublicStatement } from "../../shared/public-access";
import { parsePolicy, statementLabel } from "../policy";
import { NOT_APPLICABLE, resourceRule } from "../rule";

/** Resources that hold a resource policy: the policy resources, and the owners that may inline one. */
const POLICY_RESOURCES = ["aws_s3_bucket_policy", "aws_sns_topic_policy", "aws_sqs_queue_policy"];
const POLICY_OWNERS = ["aws_s3_bucket", "aws_sns_topic", "aws_sqs_queue"];

export const publicRules = [
  resourceRule({
    id: "BLOG_POLICY_NOT_PUBLIC",
    title: "Bucket, topic and queue policies are not public",
    description:
      'A statement allows Principal "*" (anyone on the internet) with no condition that pins the caller to fixed accounts, an organization, sources or networks.',
    remediation:
      "Name the principal (a service with an aws:SourceArn/aws:SourceAccount condition, or a role ARN) instead of *, or pin * with a fixed aws:SourceVpce, aws:PrincipalOrgID or aws:SourceIp condition. CloudFront reads buckets through OAC with Principal { Service = cloudfront.amazonaws.com }.",
    beyondCheckov: {
      check: "CKV_AWS_70",
      why: 'Checkov reads no topic or queue policy cdktf writes: CKV_AWS_169 (SNS) and CKV_AWS_168 (SQS) take a policy only as an object, and cdktf writes JSON strings (CKV_AWS_168\'s passes on our stacks are queues without an inline policy). CKV_AWS_70 reads bucket policies but accepts Principal "*" under conditions from a list of its own, any ArnNotEquals included: everyone but one source. This rule applies AWS\'s definition of public, the one the plan summary\'s "becomes public" callout applies to the same policies.',
    },
    types: [...POLICY_RESOURCES, ...POLICY_OWNERS],
    check(resource, ctx) {
      if (POLICY_OWNERS.includes(resource.type) && resource.body.policy === undefined) return NOT_APPLICABLE;
      const parsed = parsePolicy(ctx.model, resource.stack, resource.body.policy);
      if (!parsed.ok) return parsed.error;
      return parsed.statements.flatMap((s, i) =>
        isPublicStatement(s)
          ? [`${statementLabel(s, i)} allows ${s.actions.join(", ")} to every principal`]
          : [],
      );
    },
  }),
  resourceRule({
    id: "BLOG_NO_OPEN_INGRESS",
    title: "No security group ingress from anywhere",
    description: "A security group accepts traffic from 0.0.0.0/0 or ::/0, on any port.",
    remediation:
      "Allow ingress from a referenced security group or a known CIDR; reach the app through CloudFront and API Gateway, not open ports.",
    beyondCheckov: {
      check: "CKV_AWS_277",
      why: "Checkov looks at all ports (CKV_AWS_277), 22 (CKV_AWS_24), 3389 (CKV_AWS_25) and 80 (CKV_AWS_260); ingress from the internet on any other port passes. Nothing here is reached from the internet but through CloudFront and API Gateway, so this rule fails every open ingress, as the plan summary calls it out.",
    },
    types: ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"],
    check: (r) => openIngress(r.type, r.body),
  }),
];
