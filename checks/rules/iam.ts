/** Identity policies (what a role may do) and KMS keys. Resource policies have their own rules (S3, SNS/SQS). */
import { blocks, isTrue, type Resource } from "../model";
import { parsePolicy, statementLabel, type Statement } from "../policy";
import { NOT_APPLICABLE, resourceRule, type RuleContext } from "../rule";

const IDENTITY_POLICY_TYPES = [
  "aws_iam_role_policy",
  "aws_iam_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
  "aws_iam_role",
];

/**
 * Actions AWS only grants on Resource "*" (they accept no resource-level permission), so "*" is required
 * rather than lax. `logs:CreateLogGroup` is deliberately absent: it takes a log-group ARN.
 */
export const ACTIONS_REQUIRING_ANY_RESOURCE = new Set(
  [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    // Lambda's VPC networking (the AWSLambdaVPCAccessExecutionRole family).
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
    "cloudwatch:PutMetricData",
    "sts:GetCallerIdentity",
  ].map((a) => a.toLowerCase()),
);

/** Listing and describing rarely accept a resource ARN; everything else must name its resources. */
const UNSCOPED_READ = /^[\w-]+:(List|Describe)[A-Za-z]*$/;

function identityStatements(
  resource: Resource,
  ctx: RuleContext,
): { statements: Statement[]; error?: string } {
  const policies =
    resource.type === "aws_iam_role"
      ? blocks(resource.body.inline_policy).map((p) => p.policy)
      : [resource.body.policy];
  const statements: Statement[] = [];
  for (const policy of policies) {
    const parsed = parsePolicy(ctx.model, resource.stack, policy);
    if (!parsed.ok) return { statements, error: parsed.error };
    statements.push(...parsed.statements.filter((s) => s.effect === "Allow"));
  }
  return { statements };
}

/** Runs `problemsOf` on each Allow statement of an identity policy (skipping roles without inline policies). */
function forAllowStatements(problemsOf: (s: Statement, label: string) => string[]) {
  return (resource: Resource, ctx: RuleContext) => {
    if (resource.type === "aws_iam_role" && blocks(resource.body.inline_policy).length === 0)
      return NOT_APPLICABLE;
    const { statements, error } = identityStatements(resource, ctx);
    if (error) return error;
    return statements.flatMap((s, i) => problemsOf(s, statementLabel(s, i)));
  };
}

export const iamRules = [
  resourceRule({
    id: "CKV_AWS_62",
    aliases: ["CKV_AWS_63", "CKV_AWS_1"],
    title: 'IAM policy does not allow every action ("*")',
    description: 'A statement allows Action "*" (full administrator when the resource is "*" too).',
    remediation: "List the actions the code calls, on the resources it uses.",
    types: IDENTITY_POLICY_TYPES,
    check: forAllowStatements((s, label) => {
      if (s.hasNotAction) return [`${label} allows everything except NotAction`];
      return s.actions.some((a) => a === "*" || a === "*:*")
        ? [`${label} allows action *${s.resources.includes("*") ? ' on resource "*"' : ""}`]
        : [];
    }),
  }),
  resourceRule({
    id: "FSBP_IAM.21",
    title: "IAM policy does not allow every action of a service",
    description:
      'A statement allows "<service>:*", far more than the code needs (and every action the service adds later).',
    remediation: "List the specific actions (for example dynamodb:GetItem, dynamodb:PutItem).",
    types: IDENTITY_POLICY_TYPES,
    check: forAllowStatements((s, label) =>
      s.actions.filter((a) => /^[\w-]+:\*$/.test(a)).map((a) => `${label} allows ${a}`),
    ),
  }),
  resourceRule({
    id: "CKV_AWS_355",
    aliases: ["CKV_AWS_290", "CKV_AWS_289", "CKV_AWS_288", "CKV_AWS_287"],
    title: 'IAM policy names its resources instead of "*"',
    description:
      'A statement allows actions that accept resource ARNs on Resource "*", so the role can act on every resource of that kind in the account.',
    remediation:
      'Scope the statement to the ARNs it needs. Only actions AWS grants on "*" alone (X-Ray segments, Lambda VPC ENIs, PutMetricData, List*/Describe*) may keep "*".',
    types: IDENTITY_POLICY_TYPES,
    check: forAllowStatements((s, label) => {
      if (!s.resources.includes("*")) return [];
      const scopable = s.actions.filter(
        (a) => !ACTIONS_REQUIRING_ANY_RESOURCE.has(a.toLowerCase()) && !UNSCOPED_READ.test(a),
      );
      return scopable.length ? [`${label} allows ${scopable.join(", ")} on Resource "*"`] : [];
    }),
  }),
  resourceRule({
    id: "CKV_AWS_7",
    title: "KMS key rotates yearly",
    description: "The key material never changes, so a leaked key stays usable for ever.",
    remediation: "Set enable_key_rotation = true.",
    types: ["aws_kms_key"],
    check(key) {
      const spec = key.body.customer_master_key_spec;
      if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT") return NOT_APPLICABLE; // asymmetric keys cannot rotate
      return isTrue(key.body.enable_key_rotation) ? undefined : "enable_key_rotation is not true";
    },
  }),
];
