/** Identity policies: what a role may do, and what an identity pool's role may reach. */
import { iamReference } from "../iam-reference/reference";
import { blocks, type Resource } from "../model";
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
 * Actions AWS grants on Resource "*" alone: the Service Authorization Reference lists no resource type for them
 * (X-Ray segments, ec2:DescribeNetworkInterfaces, cloudwatch:PutMetricData, dynamodb:ListStreams…), so "*" is
 * required rather than lax. Every other action, List* and Describe* included, takes some ARN.
 */
export function takesOnlyAnyResource(action: string): boolean {
  const actions = iamReference().actions(action);
  return actions.length > 0 && actions.every((a) => a.formats.size === 0);
}

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

/** A role that Cognito identity pools hand out: its trust policy federates cognito-identity.amazonaws.com. */
const COGNITO_IDENTITY = "Federated:cognito-identity.amazonaws.com";
/** The identity id policy variable, as IAM reads it and as Terraform JSON escapes it (`$${…}`). */
const IDENTITY_VARIABLE = /\$?\$\{cognito-identity\.amazonaws\.com:sub\}/;
/** Bucket-level listing actions: confined by their `s3:prefix` condition, not by the resource. */
const S3_LIST_ACTIONS = new Set(["s3:listbucket", "s3:listbucketversions", "s3:listbucketmultipartuploads"]);

/**
 * True when `text` holds the identity variable as a whole path segment (`…/<prefix>/${…sub}/…`) with no wildcard
 * before it: matching starts from a fixed prefix, so it reaches that identity's folder and nothing beside it.
 */
function confinedToIdentity(text: string): boolean {
  const at = text.search(IDENTITY_VARIABLE);
  if (at <= 0) return false;
  const before = text.slice(0, at).replace(/\$\{[^}]*\}/g, "ref"); // Terraform references are fixed values
  const after = text.slice(at).replace(IDENTITY_VARIABLE, "");
  return before.endsWith("/") && !/[*?]/.test(before) && (after === "" || after.startsWith("/"));
}

function identityPoolS3Problems(s: Statement, label: string): string[] {
  const s3Actions = s.actions.filter((a) => a === "*" || a.toLowerCase().startsWith("s3:"));
  if (s3Actions.length === 0) return [];
  if (s.hasNotAction) return [`${label} uses NotAction: its S3 reach cannot be confined to the identity`];
  const problems: string[] = [];
  const listing = s3Actions.filter((a) => S3_LIST_ACTIONS.has(a.toLowerCase()));
  if (listing.length > 0) {
    const prefixes = [...s.conditions.entries()]
      .filter(([operator]) => /^string(equals|like)$/.test(operator))
      .flatMap(([, keys]) => keys.get("s3:prefix") ?? []);
    if (prefixes.length === 0 || !prefixes.every((prefix) => confinedToIdentity(`/${prefix}`)))
      problems.push(
        `${label} allows ${listing.join(", ")} without an s3:prefix condition confined to <prefix>/\${cognito-identity.amazonaws.com:sub}/`,
      );
  }
  const objectActions = s3Actions.filter((a) => !S3_LIST_ACTIONS.has(a.toLowerCase()));
  const loose = s.resources.filter((resource) => !confinedToIdentity(resource));
  if (objectActions.length > 0 && loose.length > 0)
    problems.push(
      `${label} allows ${objectActions.join(", ")} on ${loose.join(", ")}, beyond the identity's own prefix (<bucket>/<prefix>/\${cognito-identity.amazonaws.com:sub}/*)`,
    );
  return problems;
}

export const iamRules = [
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
    id: "BLOG_IAM_SCOPED_RESOURCES",
    title: 'IAM policy names its resources instead of "*"',
    description:
      'A statement allows actions that accept resource ARNs on Resource "*", so the role can act on every resource of that kind in the account.',
    remediation:
      'Scope the statement to the ARNs it needs. Only actions for which the Service Authorization Reference lists no resource type (X-Ray segments, ec2:DescribeNetworkInterfaces, cloudwatch:PutMetricData, dynamodb:ListStreams) may keep "*", in a statement of their own.',
    beyondCheckov: {
      check: "CKV_AWS_355",
      why: 'Checkov\'s CKV_AWS_355 (like CKV_AWS_287 to CKV_AWS_290) reads a policy only as an object; cdktf writes policies as JSON strings, so Checkov judges none of ours (no result on our stacks). This rule reads every identity policy, and lets Resource "*" stand only for actions for which the Service Authorization Reference lists no resource type (reads and List/Describe actions included: GetSecretValue on "*" fails).',
    },
    types: IDENTITY_POLICY_TYPES,
    check: forAllowStatements((s, label) => {
      if (!s.resources.includes("*")) return [];
      const scopable = s.actions.filter((a) => !takesOnlyAnyResource(a));
      return scopable.length ? [`${label} allows ${scopable.join(", ")} on Resource "*"`] : [];
    }),
  }),
  resourceRule({
    id: "BLOG_IDENTITY_POOL_S3_CONFINED",
    title: "An identity pool role reaches only the identity's own S3 prefix",
    description:
      "A role that a Cognito identity pool gives to browsers must confine every S3 action to the caller's own prefix with ${cognito-identity.amazonaws.com:sub}, and be assumable only by identities of its own pool; otherwise one signed-in user reads, overwrites or deletes another's objects.",
    remediation:
      "Scope object actions to <bucket>/<prefix>/${cognito-identity.amazonaws.com:sub}/* and ListBucket to an s3:prefix condition of the same form (shared/author-folders.ts); require cognito-identity.amazonaws.com:aud in the trust policy; attach no managed policies.",
    types: ["aws_iam_role"],
    check(role, ctx) {
      const trust = parsePolicy(ctx.model, role.stack, role.body.assume_role_policy);
      if (!trust.ok) return trust.error;
      const federated = trust.statements.filter(
        (s) => s.effect === "Allow" && s.principals.includes(COGNITO_IDENTITY),
      );
      if (federated.length === 0) return NOT_APPLICABLE;
      const problems = federated
        .filter((s) => !s.conditions.get("stringequals")?.get("cognito-identity.amazonaws.com:aud")?.length)
        .map(
          (s, i) =>
            `trust ${statementLabel(s, i)} lets identities of any pool assume the role (no cognito-identity.amazonaws.com:aud)`,
        );
      const policies = [role, ...ctx.model.referrers(role, "aws_iam_role_policy", "role")];
      for (const policy of policies) {
        const { statements, error } = identityStatements(policy, ctx);
        if (error) return error;
        problems.push(...statements.flatMap((s, i) => identityPoolS3Problems(s, statementLabel(s, i))));
      }
      for (const attachment of ctx.model.referrers(role, "aws_iam_role_policy_attachment", "role"))
        problems.push(
          `${attachment.address} attaches a managed policy, whose S3 reach this check cannot confine`,
        );
      return problems;
    },
  }),
];
