/**
 * Every name a synthesized stack claims that AWS (or DNS) keeps once per account, per zone or worldwide, and the
 * names claimed twice across the stacks of one app: its environments, and its deployments in other regions. Strict on
 * purpose: accounts are not told apart (environments may share one), so a name is unique across the whole app.
 */
import * as fs from "fs";
import * as path from "path";

/** One name one resource (or one stack's state) claims. */
export interface Claim {
  /** The namespace and the name, e.g. `DNS record Z123 mail.example.com MX`. */
  readonly name: string;
  /** `<synth label>:<stack>`. */
  readonly owner: string;
  /** The resource address, or `backend`. */
  readonly address: string;
}

type Body = Record<string, unknown>;
type Scope = "worldwide" | "account" | "region";

interface Owned {
  readonly attribute: string;
  readonly namespace: string;
  readonly scope: Scope;
}

const owned = (attribute: string, namespace: string, scope: Scope): Owned => ({
  attribute,
  namespace,
  scope,
});

/** Resource types whose names AWS keeps unique, the attribute holding it and where it is unique. */
export const OWNED_NAMES: Readonly<Record<string, readonly Owned[]>> = {
  aws_s3_bucket: [owned("bucket", "S3 bucket", "worldwide")],
  aws_cloudfront_distribution: [owned("aliases", "CloudFront alias", "worldwide")],
  // ACM validates a domain with one CNAME per account: two certificates of one name would both write it.
  aws_acm_certificate: [
    owned("domain_name", "certificate (and its validation record)", "worldwide"),
    // The site's www. name (domain.www) is validated like the main one.
    owned("subject_alternative_names", "certificate (and its validation record)", "worldwide"),
  ],
  aws_iam_role: [owned("name", "IAM role", "account")],
  aws_iam_policy: [owned("name", "IAM policy", "account")],
  aws_iam_user: [owned("name", "IAM user", "account")],
  aws_iam_instance_profile: [owned("name", "IAM instance profile", "account")],
  aws_cloudfront_cache_policy: [owned("name", "CloudFront cache policy", "account")],
  aws_cloudfront_origin_request_policy: [owned("name", "CloudFront origin request policy", "account")],
  aws_cloudfront_response_headers_policy: [owned("name", "CloudFront response headers policy", "account")],
  aws_cloudfront_origin_access_control: [owned("name", "CloudFront origin access control", "account")],
  aws_cloudfront_function: [owned("name", "CloudFront function", "account")],
  aws_cloudwatch_dashboard: [owned("dashboard_name", "CloudWatch dashboard", "account")],
  aws_ses_email_identity: [owned("email", "SES identity", "region")],
  aws_ses_domain_identity: [owned("domain", "SES identity", "region")],
  aws_ses_configuration_set: [owned("name", "SES configuration set", "region")],
  aws_cloudwatch_log_group: [owned("name", "log group", "region")],
  aws_ssm_parameter: [owned("name", "SSM parameter", "region")],
  aws_kms_alias: [owned("name", "KMS alias", "region")],
  aws_lambda_function: [owned("function_name", "Lambda function", "region")],
  aws_sns_topic: [owned("name", "SNS topic", "region")],
  aws_sqs_queue: [owned("name", "SQS queue", "region")],
  aws_dynamodb_table: [owned("name", "DynamoDB table", "region")],
  aws_db_instance: [owned("identifier", "RDS instance", "region")],
  aws_db_proxy: [owned("name", "RDS proxy", "region")],
  aws_db_subnet_group: [owned("name", "RDS subnet group", "region")],
  aws_db_parameter_group: [owned("name", "RDS parameter group", "region")],
  aws_elasticache_replication_group: [
    owned("replication_group_id", "ElastiCache replication group", "region"),
  ],
  aws_elasticache_subnet_group: [owned("name", "ElastiCache subnet group", "region")],
  aws_elasticache_user: [owned("user_id", "ElastiCache user", "region")],
  aws_elasticache_user_group: [owned("user_group_id", "ElastiCache user group", "region")],
  aws_cloudwatch_metric_alarm: [owned("alarm_name", "CloudWatch alarm", "region")],
  aws_codedeploy_app: [owned("name", "CodeDeploy application", "region")],
  aws_cognito_user_pool_domain: [owned("domain", "Cognito domain", "region")],
  aws_backup_vault: [owned("name", "Backup vault", "region")],
  aws_backup_plan: [owned("name", "Backup plan", "region")],
  // Unique in its VPC; a region is the stricter scope (environments may adopt one VPC).
  aws_security_group: [owned("name", "security group", "region")],
  aws_wafv2_web_acl: [owned("name", "WAF web ACL", "region")],
  // Unique in its region; a multi-region trail has a shadow of that name in every region (scopeOf).
  aws_cloudtrail: [owned("name", "CloudTrail trail", "region")],
};

/** Literal name-like attributes that are not unique names, with the reason (every other one must be classified). */
export const NOT_UNIQUE: Readonly<Record<string, string>> = {
  "aws_apigatewayv2_api.name": "API Gateway accepts several APIs of one name",
  "aws_apigatewayv2_authorizer.name": "unique within its API",
  "aws_apigatewayv2_stage.name": "unique within its API",
  "aws_backup_selection.name": "unique within its plan",
  "aws_cloudwatch_metric_alarm.metric_name": "the metric the alarm watches",
  "aws_codedeploy_deployment_group.deployment_config_name": "one of AWS's predefined configurations, used",
  "aws_cognito_identity_pool.identity_pool_name": "Cognito accepts several identity pools of one name",
  "aws_cognito_user_pool.name": "Cognito accepts several user pools of one name",
  "aws_cognito_user_pool_client.name": "unique within nothing: clients are told apart by id",
  "aws_db_instance.db_name": "the database inside the instance",
  "aws_eip.domain": "the kind of address (vpc)",
  "aws_elasticache_user.user_name": "the name the user signs in with; user_id is the unique one",
  "aws_iam_role_policy.name": "an inline policy, unique within its role",
  "aws_lambda_alias.name": "unique within its function",
  "aws_ses_event_destination.name": "unique within its configuration set",
  "aws_vpc_endpoint.service_name": "the AWS service the endpoint reaches",
};

/** Attributes that hold a name when they hold a literal: each must be in OWNED_NAMES or NOT_UNIQUE. */
const NAME_LIKE =
  /^(name|bucket|domain|domain_name|subject_alternative_names|identifier|email|aliases|replication_group_id|user_id|user_group_id|.+_name)$/;

const literal = (value: unknown): value is string => typeof value === "string" && !value.includes("${");

export interface StackJson {
  readonly resource?: Record<string, Record<string, Body>>;
  readonly provider?: { aws?: Array<{ alias?: string; region?: string }> };
  readonly terraform?: { backend?: Record<string, Body>; cloud?: Body };
}

/** The claims of one stack's Terraform JSON; `unclassified` gathers name-like attributes nobody judged. */
export function stackClaims(stack: StackJson, owner: string, unclassified: Set<string> = new Set()): Claim[] {
  const claims: Claim[] = [];
  const providers = stack.provider?.aws ?? [];
  const regionOf = (provider: unknown) =>
    (provider === undefined
      ? providers.find((p) => p.alias === undefined)
      : providers.find((p) => `aws.${p.alias}` === provider)
    )?.region ?? "?";
  const claim = (name: string, address: string) => claims.push({ name, owner, address });

  for (const [kind, body] of Object.entries(stack.terraform?.backend ?? {}))
    claim(stateName(kind, body), "backend");
  if (stack.terraform?.cloud) claim(stateName("cloud", stack.terraform.cloud), "backend");

  for (const [type, byId] of Object.entries(stack.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) {
      const address = `${type}.${id}`;
      const region = regionOf(body.provider);
      if (type === "aws_route53_record") {
        const { zone_id: zone, name, type: recordType } = body;
        // A name made of the stack's own values (DKIM tokens, validation records) is its own by construction.
        if (literal(zone) && literal(name))
          claim(`DNS record ${zone} ${name.toLowerCase().replace(/\.$/, "")} ${String(recordType)}`, address);
        continue;
      }
      const rules = OWNED_NAMES[type] ?? [];
      for (const [attribute, value] of Object.entries(body)) {
        if (!NAME_LIKE.test(attribute)) continue;
        const values = (Array.isArray(value) ? value : [value]).filter(literal);
        if (values.length === 0) continue;
        const rule = rules.find((r) => r.attribute === attribute);
        if (!rule) {
          if (!(`${type}.${attribute}` in NOT_UNIQUE)) unclassified.add(`${type}.${attribute}`);
          continue;
        }
        const scope = scopeOf(rule.scope, type, body, region);
        for (const v of values) claim(`${rule.namespace} ${scope}${v}`, address);
        // A global table's name is taken in each replica's region too.
        if (type === "aws_dynamodb_table")
          for (const replica of (body.replica ?? []) as Array<{ region_name?: string }>)
            for (const v of values) claim(`${rule.namespace} ${replica.region_name} ${v}`, address);
      }
    }
  }
  return claims;
}

function scopeOf(scope: Scope, type: string, body: Body, region: string): string {
  // A web ACL for CloudFront is kept once per account, a regional one per region.
  if (type === "aws_wafv2_web_acl") return body.scope === "CLOUDFRONT" ? "CLOUDFRONT " : `${region} `;
  if (type === "aws_cloudtrail") return body.is_multi_region_trail === true ? "all regions " : `${region} `;
  return scope === "region" ? `${region} ` : "";
}

/** Where a backend keeps the state: the same place for two stacks means one overwrites the other's. */
function stateName(kind: string, body: Body): string {
  switch (kind) {
    case "s3":
      return `state s3://${String(body.bucket)}/${String(body.key)}`;
    case "local":
      // Relative to cdktf.out/stacks/<stack>: the project root's file.
      return `state file ${path.posix.basename(String(body.path))}`;
    case "cloud": {
      const workspaces = body.workspaces as { name?: string } | undefined;
      return `state workspace ${String(body.hostname ?? "app.terraform.io")}/${String(body.organization)}/${String(workspaces?.name)}`;
    }
    default:
      return `state ${kind} ${JSON.stringify(body)}`;
  }
}

/** The claims of every stack of a synth output directory, owners labelled `<label>:<stack>`. */
export function synthClaims(outdir: string, label: string, unclassified?: Set<string>): Claim[] {
  const stacksDir = path.join(outdir, "stacks");
  return fs
    .readdirSync(stacksDir)
    .sort()
    .flatMap((stack) =>
      stackClaims(
        JSON.parse(fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8")) as StackJson,
        `${label}:${stack}`,
        unclassified,
      ),
    );
}

export interface DoubleOwnership {
  readonly name: string;
  /** `<owner> <address>` of each claimant. */
  readonly claimants: readonly string[];
}

/** Every name claimed by more than one resource, sorted. */
export function doubleOwnership(claims: readonly Claim[]): DoubleOwnership[] {
  const byName = new Map<string, string[]>();
  for (const c of claims) byName.set(c.name, [...(byName.get(c.name) ?? []), `${c.owner} ${c.address}`]);
  return [...byName]
    .filter(([, claimants]) => claimants.length > 1)
    .map(([name, claimants]) => ({ name, claimants }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
