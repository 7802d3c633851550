/** Rules over every resource: required tags, secrets that would land in the state. */
import {
  block,
  blocks,
  isExpression,
  isObject,
  isSet,
  type Json,
  type JsonObject,
  type Resource,
  type Stack,
} from "../model";
import { stackRule, type Rule } from "../rule";
import { TAGGABLE_TYPES } from "../taggable-types.generated";

export const REQUIRED_TAGS = ["app", "env", "layer", "managed-by"] as const;

/** The provider's `default_tags` that apply to a resource (Terraform merges them into `tags_all`). */
function defaultTags(stack: Stack, resource: Resource): JsonObject {
  const providers = isObject(stack.json.provider) ? blocks(stack.json.provider.aws) : [];
  // `provider = "aws.<alias>"` picks an aliased configuration; without it the one without alias applies.
  const alias = typeof resource.body.provider === "string" ? resource.body.provider.split(".")[1] : undefined;
  const provider = providers.find((p) => p.alias === alias);
  const tags = block(provider?.default_tags)?.tags;
  return isObject(tags) ? tags : {};
}

/** Arguments whose value Terraform stores in the state in clear text. `*_wo` (write-only) variants are fine. */
const STATE_SECRET_ARGUMENTS = [
  "password",
  "master_password",
  "auth_token",
  "secret_string",
  "secret_binary",
  "passwords",
];

function secretArguments(value: Json, path: string, found: string[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => secretArguments(v, `${path}[${i}]`, found));
  else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === "//") continue;
      const here = path ? `${path}.${key}` : key;
      if (STATE_SECRET_ARGUMENTS.includes(key) && isSet(v)) {
        found.push(
          `${here} is set${isExpression(v) ? " (from an expression, still stored in the state)" : " to a literal"}`,
        );
      } else secretArguments(v, here, found);
    }
  }
}

export const hygieneRules: Rule[] = [
  stackRule(
    {
      id: "BLOG_REQUIRED_TAGS",
      title: "Taggable resource carries the required tags",
      description: `A resource lacks one of the tags ${REQUIRED_TAGS.join(", ")}, so cost and ownership reports cannot attribute it.`,
      remediation:
        "Keep the TagsAspect on the stack (BlogStack adds it), or set the tags as the AWS provider's default_tags, and do not pass tags that drop the required keys.",
    },
    (ctx) =>
      ctx.stack.resources
        .filter((r) => r.mode === "resource" && TAGGABLE_TYPES.has(r.type))
        .map((r) => {
          const tags = { ...defaultTags(ctx.stack, r), ...(isObject(r.body.tags) ? r.body.tags : {}) };
          const missing = REQUIRED_TAGS.filter((t) => !isSet(tags[t]));
          return {
            resource: r,
            passed: missing.length === 0,
            message: missing.length ? `missing tags: ${missing.join(", ")}` : "carries the required tags",
          };
        }),
  ),
  stackRule(
    {
      id: "BLOG_NO_STATE_SECRETS",
      title: "No password or token in the configuration (it would be stored in the state)",
      description:
        "A password, auth token or secret value is set as an argument; Terraform stores it in clear text in the state, whoever can read the state has it.",
      remediation:
        "RDS: manage_master_user_password = true. ElastiCache: RBAC users with IAM authentication. Secrets: let the service generate them, or use the write-only *_wo arguments.",
    },
    (ctx) =>
      ctx.stack.resources
        .filter((r) => r.mode === "resource")
        .map((r) => {
          const found: string[] = [];
          secretArguments(r.body, "", found);
          return {
            resource: r,
            passed: found.length === 0,
            message: found.length ? found.join("; ") : "holds no secret argument",
          };
        })
        // Report the resources that could hold one; a pass on every resource would drown the table.
        .filter((e) => !e.passed || SECRET_HOLDERS.has(e.resource.type)),
  ),
];

/** Types where a password-like argument exists; their passes are worth counting. */
const SECRET_HOLDERS = new Set([
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_elasticache_replication_group",
  "aws_elasticache_user",
  "aws_secretsmanager_secret_version",
  "aws_mq_broker",
  "aws_docdb_cluster",
  "aws_redshift_cluster",
]);
