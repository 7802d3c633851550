/** Lambda functions, their permissions, event invoke configs and event source mappings. */
import { asNumber, block, isExpression, isTrue, type Resource } from "../model";
import { parsePolicy } from "../policy";
import { NOT_APPLICABLE, resourceRule, type CheckResult, type RuleContext } from "../rule";

const FUNCTION = ["aws_lambda_function"];

/** Resources that live in a VPC only: a function that talks to one must run in the VPC. */
const VPC_ONLY_TYPES = [
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_db_proxy",
  "aws_elasticache_replication_group",
  "aws_elasticache_cluster",
  "aws_elasticache_serverless_cache",
];

/** Runtimes Lambda still supports for create and update (deprecated ones are left out on purpose). */
export const SUPPORTED_RUNTIMES = [
  "nodejs22.x",
  "nodejs24.x",
  "python3.11",
  "python3.12",
  "python3.13",
  "python3.14",
  "java11",
  "java17",
  "java21",
  "java25",
  "dotnet8",
  "dotnet10",
  "ruby3.3",
  "ruby3.4",
  "provided.al2023",
];

/** Principals that invoke a function asynchronously (events are queued and retried by Lambda). */
const ASYNC_PRINCIPALS = [
  "sns.amazonaws.com",
  "s3.amazonaws.com",
  "events.amazonaws.com",
  "ses.amazonaws.com",
  "scheduler.amazonaws.com",
  "iot.amazonaws.com",
  "logs.amazonaws.com",
];

/** The function and its aliases: triggers name either (this project: always the `live` alias). */
function invocable(fn: Resource, ctx: RuleContext): Resource[] {
  return [fn, ...ctx.model.referrers(fn, "aws_lambda_alias", "function_name")];
}

/** Resources of `type` whose `attribute` refers to the function or one of its aliases. */
function triggersOf(fn: Resource, ctx: RuleContext, type: string, attribute?: string): Resource[] {
  return invocable(fn, ctx).flatMap((target) => ctx.model.referrers(target, type, attribute));
}

/** DynamoDB and Kinesis streams (not SQS, whose failures belong to the queue's redrive policy). */
export function isStreamMapping(mapping: Resource, ctx: RuleContext): boolean {
  if (mapping.body.starting_position !== undefined) return true;
  const source = mapping.body.event_source_arn;
  const targets = ctx.model.referencedBy(mapping.stack, source);
  if (targets.some((t) => t.type === "aws_dynamodb_table" || t.type === "aws_kinesis_stream")) return true;
  return (
    typeof source === "string" && !isExpression(source) && /:kinesis:|:dynamodb:.*\/stream\//.test(source)
  );
}

function isAsyncInvoked(fn: Resource, ctx: RuleContext): string | undefined {
  const permission = ctx.model
    .referrers(fn, "aws_lambda_permission", "function_name")
    .find((p) => ASYNC_PRINCIPALS.includes(String(p.body.principal)));
  if (permission) return `invoked asynchronously by ${String(permission.body.principal)}`;
  if (triggersOf(fn, ctx, "aws_sns_topic_subscription", "endpoint").length)
    return "subscribed to an SNS topic";
  if (triggersOf(fn, ctx, "aws_s3_bucket_notification").length) return "notified by S3";
  if (triggersOf(fn, ctx, "aws_cloudwatch_event_target", "arn").length) return "an EventBridge target";
  return undefined;
}

function hasAsyncFailureDestination(fn: Resource, ctx: RuleContext): boolean {
  if (block(fn.body.dead_letter_config)?.target_arn) return true;
  return ctx.model
    .referrers(fn, "aws_lambda_function_event_invoke_config", "function_name")
    .some((c) => block(block(c.body.destination_config)?.on_failure)?.destination);
}

function isInVpc(fn: Resource): boolean {
  const vpc = block(fn.body.vpc_config);
  return vpc !== undefined && vpc.subnet_ids !== undefined;
}

function reachesVpcOnlyResource(fn: Resource, ctx: RuleContext): Resource | undefined {
  const uses = ctx.model.referencedBy(fn.stack, [fn.body.environment, rolePolicyValues(fn, ctx)]);
  return uses.find((r) => VPC_ONLY_TYPES.includes(r.type));
}

/** Policies attached inline to the function's role (aws_iam_role_policy), with their stack. */
function rolePolicyValues(fn: Resource, ctx: RuleContext): unknown[] {
  const roles = ctx.model.referencedBy(fn.stack, fn.body.role).filter((r) => r.type === "aws_iam_role");
  return roles.flatMap((role) =>
    ctx.model.referrers(role, "aws_iam_role_policy", "role").map((p) => p.body.policy),
  );
}

function canSendEmail(fn: Resource, ctx: RuleContext): boolean {
  const roles = ctx.model.referencedBy(fn.stack, fn.body.role).filter((r) => r.type === "aws_iam_role");
  return roles.some((role) =>
    ctx.model.referrers(role, "aws_iam_role_policy", "role").some((p) => {
      const parsed = parsePolicy(ctx.model, p.stack, p.body.policy);
      return (
        parsed.ok &&
        parsed.statements.some(
          (s) =>
            s.effect === "Allow" &&
            s.actions.some((a) => /^(ses|ses-v2|sesv2):Send/i.test(a) || a === "ses:*"),
        )
      );
    }),
  );
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const NAME_OF_A_REFERENCE = /(_ARN|_NAME|_ID|_URL|_PATH|_HEADER)$/i;
const SECRET_VALUE = [
  /(A3T[A-Z0-9]|AKIA|ASIA)[A-Z0-9]{16}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bxox[abprs]-[0-9A-Za-z-]{10,}/,
  /\bgh[pousr]_[0-9A-Za-z]{30,}/,
  /\bsk_live_[0-9A-Za-z]{16,}/,
  /\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/,
  /:\/\/[^/\s:@]+:[^/\s@]+@/,
];

function secretLookingVariables(fn: Resource): string[] {
  const variables = block(fn.body.environment)?.variables;
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) return [];
  return Object.entries(variables).flatMap(([key, value]) => {
    if (typeof value !== "string" || value === "" || isExpression(value)) return [];
    if (SECRET_VALUE.some((p) => p.test(value))) return [`${key} holds a value that looks like a credential`];
    if (SECRET_NAME.test(key) && !NAME_OF_A_REFERENCE.test(key) && !value.startsWith("arn:")) {
      return [`${key} holds a literal value and its name says it is a secret`];
    }
    return [];
  });
}

/**
 * Where a resource that invokes a function names it, and whether a qualifier is a separate argument: integrations,
 * mappings and subscriptions take an ARN (an alias's, a version's, or the function's own = `$LATEST`); permissions,
 * asynchronous settings and Terraform invocations take the function and a `qualifier`.
 */
const INVOKERS: Readonly<Record<string, { readonly attribute: string; readonly qualifier?: true }>> = {
  aws_apigatewayv2_integration: { attribute: "integration_uri" },
  aws_api_gateway_integration: { attribute: "uri" },
  aws_lambda_event_source_mapping: { attribute: "function_name" },
  aws_sns_topic_subscription: { attribute: "endpoint" },
  aws_lambda_permission: { attribute: "function_name", qualifier: true },
  aws_lambda_function_event_invoke_config: { attribute: "function_name", qualifier: true },
  aws_lambda_invocation: { attribute: "function_name", qualifier: true },
};

/** A reference to a function attribute that means "whatever $LATEST is", or undefined. */
function unqualifiedReference(value: unknown, qualified: boolean): string | undefined {
  const text = typeof value === "string" ? value : "";
  const ref = /\$\{aws_lambda_function\.[^.}]+\.(\w+)\}/.exec(text);
  if (ref && !qualified && !/^qualified_/.test(ref[1])) return `names the function itself (${ref[0]})`;
  if (ref && qualified) return undefined;
  if (/:\$LATEST$/.test(text) || text === "$LATEST") return "names $LATEST";
  // A literal function ARN without a version or alias after the name.
  if (!qualified && /^arn:aws[\w-]*:lambda:[^:]+:\d+:function:[^:]+$/.test(text))
    return `names ${text} unqualified`;
  return undefined;
}

function invokesLatest(resource: Resource, ctx: RuleContext): CheckResult {
  const how = INVOKERS[resource.type];
  const value = resource.body[how.attribute];
  const targets = ctx.model.referencedBy(resource.stack, value);
  const namesLambda =
    targets.some((t) => t.type === "aws_lambda_function" || t.type === "aws_lambda_alias") ||
    (typeof value === "string" && /:lambda:|^\$LATEST$/.test(value));
  if (!namesLambda) return NOT_APPLICABLE;
  if (!how.qualifier) return unqualifiedReference(value, false);
  const qualifier = resource.body.qualifier;
  if (qualifier === undefined || qualifier === "" || qualifier === "$LATEST")
    return `${how.attribute} has no qualifier: it acts on $LATEST`;
  return unqualifiedReference(value, true);
}

/** Whether a function is released through CodeDeploy: a deployment group named for it, rolling back on alarms. */
function releaseProblems(fn: Resource, ctx: RuleContext): string[] {
  const problems: string[] = [];
  if (!isTrue(fn.body.publish)) problems.push("publish is not true: no version to shift to or back from");
  if (ctx.model.referrers(fn, "aws_lambda_alias", "function_name").length === 0)
    problems.push("has no alias");
  const groups = ctx.model.referrers(fn, "aws_codedeploy_deployment_group");
  if (groups.length === 0) problems.push("has no CodeDeploy deployment group");
  for (const group of groups) {
    const rollback = block(group.body.auto_rollback_configuration);
    const alarms = block(group.body.alarm_configuration);
    if (!isTrue(rollback?.enabled)) problems.push(`${group.address} does not roll back automatically`);
    if (!isTrue(alarms?.enabled) || !Array.isArray(alarms?.alarms) || alarms.alarms.length === 0)
      problems.push(`${group.address} has no rollback alarms`);
  }
  return problems;
}

const onFailure = (mapping: Resource) =>
  block(block(mapping.body.destination_config)?.on_failure)?.destination_arn;

function streamMappingRule(def: {
  id: string;
  title: string;
  description: string;
  remediation: string;
  check: (mapping: Resource) => string | string[] | undefined;
}) {
  return resourceRule({
    ...def,
    types: ["aws_lambda_event_source_mapping"],
    check: (mapping, ctx) => (isStreamMapping(mapping, ctx) ? def.check(mapping) : NOT_APPLICABLE),
  });
}

export const lambdaRules = [
  resourceRule({
    id: "BLOG_LAMBDA_NOT_LATEST",
    title: "Triggers and permissions name an alias or version of a function, never $LATEST",
    description:
      "An integration, event source, subscription, permission or invocation on the unqualified function follows $LATEST: every change reaches all traffic at once and cannot be shifted gradually or rolled back.",
    remediation:
      "Publish versions (publish = true), point an alias (e.g. live) at them and name the alias: its ARN in integrations, mappings and subscriptions, qualifier = the alias in permissions, event invoke configs and invocations.",
    types: Object.keys(INVOKERS),
    check: (resource, ctx) => {
      if (resource.type === "aws_sns_topic_subscription" && resource.body.protocol !== "lambda")
        return NOT_APPLICABLE;
      return invokesLatest(resource, ctx);
    },
  }),
  resourceRule({
    id: "BLOG_LAMBDA_RELEASED",
    title: "In production, every function is released through CodeDeploy with automatic rollback",
    description:
      "A production function updated in place sends a bad release to every request at once, and it stays until someone notices.",
    remediation:
      "Publish versions behind an alias and add an aws_codedeploy_deployment_group for the function (compute platform Lambda) with auto_rollback_configuration enabled and alarm_configuration naming its error alarms (lib/release.ts).",
    types: FUNCTION,
    check: (fn, ctx) => (ctx.stack.facts.production ? releaseProblems(fn, ctx) : NOT_APPLICABLE),
  }),
  resourceRule({
    id: "BLOG_LAMBDA_VPC_WHERE_NEEDED",
    title: "Lambda runs in a VPC only where it must, across at least two subnets",
    beyondCheckov: {
      check: "CKV_AWS_117",
      why: "Checkov wants every function in a VPC and passes any vpc_config. Here only functions that reach RDS or ElastiCache belong there (event functions reach public AWS APIs guarded by IAM: in the VPC they would gain no isolation but need ENIs, NAT or endpoints and slower cold starts), so CKV_AWS_117 is skipped on the others with that reason. This rule checks the reason: it fails a function that reaches a database or cache outside the VPC, one in the VPC that reaches neither, and one in fewer than two subnets.",
    },
    description:
      "A function that reaches RDS or ElastiCache must run in the VPC, in two or more subnets (AZs); a function that does not should stay out of it (no ENIs, NAT or cold-start cost).",
    remediation:
      "Set vpc_config { subnet_ids = ≥ 2 private subnets, security_group_ids } on functions that use the database or cache, and remove it from the others.",
    types: FUNCTION,
    check(fn, ctx) {
      const needs = reachesVpcOnlyResource(fn, ctx);
      if (!isInVpc(fn)) return needs ? `uses ${needs.address} but has no vpc_config` : undefined;
      const vpc = block(fn.body.vpc_config) ?? {};
      const problems: string[] = [];
      if (!needs) problems.push("runs in the VPC but uses no database or cache");
      // A list-valued expression (a whole list handed over) cannot be counted at synth time.
      if (Array.isArray(vpc.subnet_ids) && vpc.subnet_ids.length < 2)
        problems.push(`has ${vpc.subnet_ids.length} subnet (needs ≥ 2)`);
      if (
        !vpc.security_group_ids ||
        (Array.isArray(vpc.security_group_ids) && vpc.security_group_ids.length === 0)
      ) {
        problems.push("has no security_group_ids");
      }
      return problems;
    },
  }),
  resourceRule({
    id: "BLOG_LAMBDA_ASYNC_FAILURE_DESTINATION",
    title: "Asynchronously invoked Lambda has a dead-letter or on-failure destination",
    description: "An event that still fails after Lambda's retries is dropped without a trace.",
    remediation:
      "Add aws_lambda_function_event_invoke_config with destination_config { on_failure { destination = <SQS queue ARN> } } (or dead_letter_config).",
    beyondCheckov: {
      check: "CKV_AWS_116",
      why: "Checkov wants the legacy dead_letter_config on every function, but Lambda uses it only for asynchronous invocations: synchronous callers get the error, and a stream's failed records go to its mapping's on-failure destination (BLOG_STREAM_ON_FAILURE). Our functions have none, so CKV_AWS_116 is skipped on every one. This rule is what checks failure handling: each function that SNS, S3, EventBridge, SES or another service invokes asynchronously has an on-failure destination or a DLQ.",
    },
    types: FUNCTION,
    check(fn, ctx) {
      const how = isAsyncInvoked(fn, ctx);
      if (!how) return NOT_APPLICABLE;
      return hasAsyncFailureDestination(fn, ctx)
        ? undefined
        : `${how} but has no on-failure destination or DLQ`;
    },
  }),
  resourceRule({
    id: "BLOG_LAMBDA_DOWNSTREAM_CONCURRENCY",
    title: "Lambda that can hurt a downstream has reserved concurrency",
    beyondCheckov: {
      check: "CKV_AWS_115",
      why: "Checkov wants a reservation on every function; a function that cannot hurt anything (the API's pre-traffic hook, invoked once per release) skips CKV_AWS_115 with that reason. This rule keeps the reason true: it fails a function without a reservation that runs in the VPC (database connections) or may send e-mail (the SES quota), skip or not.",
    },
    description:
      "A function that opens database connections (in the VPC) or sends e-mail has no concurrency cap, so a traffic spike or a loop exhausts connections or the SES quota.",
    remediation: "Set reserved_concurrent_executions to a cap the downstream can take.",
    types: FUNCTION,
    check(fn, ctx) {
      const why = isInVpc(fn) ? "runs in the VPC" : canSendEmail(fn, ctx) ? "can send e-mail" : undefined;
      if (!why) return NOT_APPLICABLE;
      const cap = asNumber(fn.body.reserved_concurrent_executions);
      return cap !== undefined && cap >= 0 ? undefined : `${why} but has no reserved_concurrent_executions`;
    },
  }),
  resourceRule({
    id: "BLOG_LAMBDA_NO_ENV_SECRETS",
    title: "Lambda environment holds no secrets",
    beyondCheckov: {
      check: "CKV_AWS_45",
      why: "Checkov looks for AWS access keys and PEM private keys in the values; it passes a literal DB_PASSWORD or a URL with credentials in it. CKV_AWS_173 (a customer-managed key for the environment) is skipped on every function because the environment holds no secret: this rule is what checks that, by names as well as by values.",
    },
    description:
      "An environment variable holds what looks like a secret; it ends up in the configuration, the state and the console.",
    remediation:
      "Keep the secret in Secrets Manager (or use IAM authentication) and pass only its ARN or name.",
    types: FUNCTION,
    check: (fn) => secretLookingVariables(fn),
  }),
  resourceRule({
    id: "BLOG_LAMBDA_SUPPORTED_RUNTIME",
    title: "Lambda uses a supported runtime",
    beyondCheckov: {
      check: "CKV_AWS_363",
      why: "Checkov lists deprecated runtimes, and its list lags AWS's: the pinned version passes nodejs18.x, deprecated since September 2025. This rule lists the supported runtimes instead, so a runtime AWS no longer supports, or a misspelt one, fails until someone says otherwise.",
    },
    description: "The runtime is deprecated (or unknown): no security patches, and updates will be blocked.",
    remediation: `Use one of ${SUPPORTED_RUNTIMES.join(", ")} (this project: the newest Node.js).`,
    types: FUNCTION,
    check(fn) {
      if (fn.body.package_type === "Image") return NOT_APPLICABLE;
      const runtime = String(fn.body.runtime);
      return SUPPORTED_RUNTIMES.includes(runtime) ? undefined : `runtime ${runtime} is not supported`;
    },
  }),
  streamMappingRule({
    id: "BLOG_STREAM_PARTIAL_BATCH",
    title: "Stream mapping reports batch item failures",
    description:
      "Without ReportBatchItemFailures one bad record makes Lambda retry the whole batch, records processed twice.",
    remediation:
      'Set function_response_types = ["ReportBatchItemFailures"] and return batchItemFailures from the handler.',
    check: (m) =>
      Array.isArray(m.body.function_response_types) &&
      m.body.function_response_types.includes("ReportBatchItemFailures")
        ? undefined
        : "function_response_types does not include ReportBatchItemFailures",
  }),
  streamMappingRule({
    id: "BLOG_STREAM_BISECT",
    title: "Stream mapping bisects a failing batch",
    description:
      "Without bisect_batch_on_function_error a poison record keeps the whole batch failing until it expires.",
    remediation: "Set bisect_batch_on_function_error = true.",
    check: (m) =>
      isTrue(m.body.bisect_batch_on_function_error)
        ? undefined
        : "bisect_batch_on_function_error is not true",
  }),
  streamMappingRule({
    id: "BLOG_STREAM_BOUNDED_RETRIES",
    title: "Stream mapping retries a bounded number of times for a bounded age",
    description:
      "The defaults (-1) retry a failing record until it leaves the stream (24 h to 7 days), blocking the shard.",
    remediation:
      "Set maximum_retry_attempts (e.g. 5) and maximum_record_age_in_seconds (e.g. 3600) to finite values.",
    check(m) {
      const problems: string[] = [];
      const retries = asNumber(m.body.maximum_retry_attempts);
      const age = asNumber(m.body.maximum_record_age_in_seconds);
      if (retries === undefined || retries < 0) problems.push("maximum_retry_attempts is unbounded");
      if (age === undefined || age < 0) problems.push("maximum_record_age_in_seconds is unbounded");
      return problems;
    },
  }),
  streamMappingRule({
    id: "BLOG_STREAM_ON_FAILURE",
    title: "Stream mapping sends failed records to an on-failure destination",
    description: "Records that exhaust their retries are dropped silently.",
    remediation: "Set destination_config { on_failure { destination_arn = <SQS queue or SNS topic ARN> } }.",
    check: (m) => (onFailure(m) ? undefined : "has no destination_config.on_failure.destination_arn"),
  }),
];
