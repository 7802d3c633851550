/**
 * Security callouts: the changes a reviewer must not miss in a long plan. Three kinds:
 * - `iam`: identity policies, roles and resource policies that change who may do what;
 * - `security-group`: security-group and network-ACL rule changes;
 * - `public`: anything that becomes reachable from the internet or readable by anyone — open ingress
 *   (0.0.0.0/0, ::/0) and policies anyone may use (both decided in shared/public-access.ts, with the rule
 *   pack), weakened S3 public access blocks, public ACLs, publicly accessible databases, unauthenticated
 *   function URLs.
 * "Becomes public" compares before and after, so an unchanged exposure is not reported on every plan.
 */
import { parsePolicyJson } from "../../shared/policy-document";
import { isPublicPrincipal, isPublicStatement, openIngress } from "../../shared/public-access";
import type { Callout, ChangeAction, ResourceChangeSummary } from "./model";
import type { RawResourceChange } from "./plan-json";

/** Resource policies: they grant access to other principals without being IAM resources. */
const RESOURCE_POLICY_TYPES = new Set([
  "aws_s3_bucket_policy",
  "aws_sns_topic_policy",
  "aws_sqs_queue_policy",
  "aws_lambda_permission",
  "aws_kms_key_policy",
  "aws_ecr_repository_policy",
  "aws_secretsmanager_secret_policy",
  "aws_cloudwatch_log_resource_policy",
  "aws_opensearch_domain_policy",
]);

const SECURITY_GROUP_TYPES = new Set([
  "aws_security_group",
  "aws_default_security_group",
  "aws_security_group_rule",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
  "aws_network_acl",
  "aws_default_network_acl",
  "aws_network_acl_rule",
]);

type Values = Record<string, unknown>;
const asValues = (v: unknown): Values =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Values) : {};

const ACTION_WORDS: Record<ChangeAction, string> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "destroyed",
  move: "moved",
  import: "imported",
  forget: "removed from state",
};

/** Statements anyone may use (shared/public-access.ts decides, as the rule pack does), described. */
function publicStatements(policy: unknown): string[] {
  if (typeof policy !== "string" || policy === "") return [];
  const parsed = parsePolicyJson(policy);
  if (!parsed.ok) return [];
  return parsed.statements.filter(isPublicStatement).map((s) => {
    const who = isPublicPrincipal(s) ? 'anyone (Principal "*")' : "everyone outside its NotPrincipal";
    const condition =
      s.conditions.size === 0 ? "without a condition" : "with no condition that limits who calls";
    return `policy allows ${who} ${s.actions.join(", ") || "all actions"} ${condition}`;
  });
}

const PUBLIC_ACCESS_BLOCK_FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
];
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

/** Every way this object (as `values`) is reachable by anyone; empty when it is not. */
function exposures(type: string, values: Values | undefined): string[] {
  if (!values) return [];
  const found = [...openIngress(type, values), ...publicStatements(values.policy)];
  if (type === "aws_s3_bucket_public_access_block" || type === "aws_s3_account_public_access_block") {
    found.push(...PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => values[f] === false).map((f) => `${f} = false`));
  }
  if (typeof values.acl === "string" && PUBLIC_ACLS.has(values.acl)) found.push(`ACL "${values.acl}"`);
  if (values.publicly_accessible === true) found.push("publicly_accessible = true");
  if (type === "aws_lambda_function_url" && values.authorization_type === "NONE") {
    found.push("function URL without authentication (authorization_type NONE)");
  }
  if (type === "aws_lambda_permission" && values.principal === "*")
    found.push('invocable by any principal ("*")');
  return found;
}

/** The callouts one change deserves; `change.changedAttributes` says what an update or replacement touches. */
export function calloutsFor(
  raw: RawResourceChange,
  summary: ResourceChangeSummary,
  stack: string,
): Callout[] {
  const { action } = summary;
  if (action === "move" || action === "forget" || action === "import") return [];
  const { type, address, change } = raw;
  const callout = (kind: Callout["kind"], message: string): Callout => ({
    kind,
    stack,
    address,
    action,
    message,
  });
  const callouts: Callout[] = [];
  const changed = summary.changedAttributes;
  const unknownPolicy = asValues(change.after_unknown).policy === true;
  const changedText =
    (changed.length > 0 ? ` (${changed.join(", ")})` : "") +
    (unknownPolicy
      ? "; the policy document is known only after apply: read from the synthesized source under Policies"
      : "");

  if (type.startsWith("aws_iam_")) {
    callouts.push(
      callout(
        "iam",
        `IAM ${type.slice("aws_iam_".length).replace(/_/g, " ")} ${ACTION_WORDS[action]}${changedText}`,
      ),
    );
  } else if (RESOURCE_POLICY_TYPES.has(type)) {
    callouts.push(callout("iam", `resource policy ${ACTION_WORDS[action]}${changedText}`));
  } else if (changed.includes("policy")) {
    callouts.push(callout("iam", `embedded policy of ${type} updated`));
  }

  if (SECURITY_GROUP_TYPES.has(type)) {
    const rules = changed.filter((k) => k === "ingress" || k === "egress");
    if (action !== "update" || rules.length > 0 || type.endsWith("_rule")) {
      const what = type.includes("network_acl") ? "network ACL" : "security group";
      callouts.push(
        callout(
          "security-group",
          `${what} rules ${ACTION_WORDS[action]}${rules.length ? ` (${rules.join(", ")})` : ""}`,
        ),
      );
    }
  }

  if (
    action === "delete" &&
    (type === "aws_s3_bucket_public_access_block" || type === "aws_s3_account_public_access_block")
  ) {
    callouts.push(
      callout("public", "S3 public access block destroyed: nothing blocks public ACLs or policies any more"),
    );
    return callouts;
  }
  const before = new Set(action === "create" ? [] : exposures(type, asValues(change.before)));
  const after = action === "delete" ? [] : exposures(type, asValues(change.after));
  for (const exposure of after.filter((e) => !before.has(e)))
    callouts.push(callout("public", `becomes public: ${exposure}`));
  return callouts;
}
