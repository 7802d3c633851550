/**
 * Typed stand-ins for upstream outputs that do not exist yet: a value of the shape the attribute has (an ARN of
 * the right service and resource type, an id with the right prefix, a host name, a port), so that a downstream
 * stack plans before its upstream is applied. Every stand-in is unique (derived from the stack and output it
 * stands for), so the summary can find it again in a planned value and mark it.
 */
import { createHash } from "crypto";

/** Where the stand-in lives: the upstream stack's region and account (a fixed fake one when unknown). */
export interface StandInContext {
  readonly region: string;
  readonly account?: string;
  /**
   * Makes the value unique: the upstream stack and resource it belongs to (`myblog-dev-data/aws_s3_bucket.media`),
   * so that two outputs of the same attribute get the same stand-in, and a name and an ARN of it agree.
   */
  readonly seed: string;
}

/** A reference as an output of cdktf writes it: `${aws_s3_bucket.uploads.arn}`, `${aws_db_instance.db.master_user_secret[0].secret_arn}`. */
export interface ResourceReference {
  readonly type: string;
  readonly name: string;
  /** The attribute path after the resource: `arn`, `master_user_secret[0].secret_arn`. */
  readonly attribute: string;
}

/** The account of a stand-in ARN when the stack names none: twelve zeros, never a real account. */
export const STAND_IN_ACCOUNT = "000000000000";

const REFERENCE = /^\$\{((?:data\.)?[a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_.[\]-]+)\}$/;

/** The resource an output's value expression names, when it is a single reference. */
export function parseReference(expression: unknown): ResourceReference | undefined {
  const match = typeof expression === "string" ? REFERENCE.exec(expression) : null;
  return match ? { type: match[1], name: match[2], attribute: match[3] } : undefined;
}

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Upper-case letters and digits, as CloudFront and RDS resource ids have. */
function alnum(seed: string, length: number): string {
  const digest = createHash("sha256").update(seed).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return Array.from({ length }, (_, i) => alphabet[digest[i % digest.length] % alphabet.length]).join("");
}

/** `<prefix>-0<hex>`: the form EC2 ids take. */
const ID_PREFIXES: Readonly<Record<string, string>> = {
  aws_vpc: "vpc",
  aws_subnet: "subnet",
  aws_security_group: "sg",
  aws_route_table: "rtb",
  aws_internet_gateway: "igw",
  aws_nat_gateway: "nat",
  aws_vpc_endpoint: "vpce",
  aws_eip: "eipalloc",
  aws_network_acl: "acl",
  aws_flow_log: "fl",
};

/** ARN resource parts by resource type (`name` is the resource's name, or a unique stand-in name). */
const ARN_FORMATS: Readonly<
  Record<string, (name: string, id: string) => [service: string, resource: string]>
> = {
  aws_s3_bucket: (name) => ["s3", name],
  aws_kms_key: (_, id) => ["kms", `key/${id}`],
  aws_sns_topic: (name) => ["sns", name],
  aws_sqs_queue: (name) => ["sqs", name],
  aws_dynamodb_table: (name) => ["dynamodb", `table/${name}`],
  aws_lambda_function: (name) => ["lambda", `function:${name}`],
  aws_iam_role: (name) => ["iam", `role/${name}`],
  aws_iam_policy: (name) => ["iam", `policy/${name}`],
  aws_db_instance: (name) => ["rds", `db:${name}`],
  aws_db_proxy: (_, id) => ["rds", `db-proxy:prx-${id.slice(0, 17)}`],
  aws_elasticache_replication_group: (name) => ["elasticache", `replicationgroup:${name}`],
  aws_elasticache_user: (name) => ["elasticache", `user:${name}`],
  aws_cloudwatch_log_group: (name) => ["logs", `log-group:${name}`],
  aws_cognito_user_pool: (_, id) => ["cognito-idp", `userpool/${id}`],
  aws_secretsmanager_secret: (name) => ["secretsmanager", `secret:${name}-${id6(name)}`],
  aws_cloudfront_distribution: (_, id) => ["cloudfront", `distribution/E${id.toUpperCase().slice(0, 13)}`],
};

function id6(seed: string): string {
  return alnum(seed, 6);
}

/** Services whose ARNs name no region or no account. */
const GLOBAL_SERVICES = new Set(["iam", "cloudfront"]);

/** A name for the resource: the one its plan knows, else a unique one that says what it is. */
function nameOf(known: Readonly<Record<string, unknown>>, ref: ResourceReference, seed: string): string {
  for (const key of ["name", "bucket", "function_name", "replication_group_id", "user_id", "identifier"]) {
    if (typeof known[key] === "string" && known[key] !== "") return known[key] as string;
  }
  return `provisional-${ref.name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-${hex(seed, 6)}`;
}

function arn(ref: ResourceReference, leaf: string, name: string, ctx: StandInContext): string {
  const account = ctx.account ?? STAND_IN_ACCOUNT;
  const id = hex(`${ctx.seed}.id`, 32);
  // A nested ARN (master_user_secret[0].secret_arn, stream_arn) names a resource of its own.
  if (leaf === "secret_arn")
    return arn({ ...ref, type: "aws_secretsmanager_secret" }, "arn", `rds!${name}`, ctx);
  if (leaf === "stream_arn") return `${arn(ref, "arn", name, ctx)}/stream/2026-01-01T00:00:00.000`;
  const format = ARN_FORMATS[ref.type];
  const [service, resource] = format
    ? format(name, id)
    : [ref.type.split("_")[1] ?? "aws", `${ref.type.split("_").slice(2).join("-") || "resource"}/${name}`];
  if (service === "s3") return `arn:aws:s3:::${resource}`;
  const region = GLOBAL_SERVICES.has(service) ? "" : ctx.region;
  return `arn:aws:${service}:${region}:${account}:${resource}`;
}

/**
 * A stand-in for `ref` (an attribute of a resource not created yet), using what the upstream's plan already
 * knows of that resource (`known`: its planned values, such as a bucket's name) to keep the shape faithful.
 */
export function standIn(
  ref: ResourceReference,
  known: Readonly<Record<string, unknown>>,
  ctx: StandInContext,
): string | number {
  const leaf =
    ref.attribute
      .split(/[.[\]]+/)
      .filter(Boolean)
      .pop() ?? ref.attribute;
  const name = nameOf(known, ref, ctx.seed);
  if (leaf === "arn" || leaf.endsWith("_arn")) return arn(ref, leaf, name, ctx);
  if (leaf === "port") return ref.type.startsWith("aws_elasticache") ? 6379 : 5432;
  if (ref.type === "terraform_data" && leaf === "output" && known.input !== undefined && known.input !== null)
    return typeof known.input === "string" ? known.input : JSON.stringify(known.input);
  if (leaf === "id") {
    const prefix = ID_PREFIXES[ref.type];
    if (prefix) return `${prefix}-0${hex(ctx.seed, 16)}`;
    if (ref.type === "aws_kms_key") return uuid(ctx.seed);
    if (ref.type === "aws_cognito_user_pool") return `${ctx.region}_${alnum(ctx.seed, 9)}`;
    if (ref.type === "aws_apigatewayv2_api") return hex(ctx.seed, 10);
    if (ref.type === "aws_apigatewayv2_integration") return hex(ctx.seed, 7);
    if (ref.type === "aws_cloudfront_distribution") return `E${alnum(ctx.seed, 13)}`;
    return name;
  }
  if (leaf === "resource_id" && ref.type === "aws_db_instance") return `db-${alnum(ctx.seed, 26)}`;
  if (leaf === "api_endpoint") return `https://${hex(ctx.seed, 10)}.execute-api.${ctx.region}.amazonaws.com`;
  if (leaf === "bucket_domain_name") return `${name}.s3.amazonaws.com`;
  if (leaf === "bucket_regional_domain_name") return `${name}.s3.${ctx.region}.amazonaws.com`;
  if (leaf === "address" && ref.type === "aws_db_instance")
    return `${name}.c${hex(ctx.seed, 11)}.${ctx.region}.rds.amazonaws.com`;
  if (/address|endpoint|dns_name|domain_name/.test(leaf))
    return `${name}.${hex(ctx.seed, 6)}.provisional.invalid`;
  return name;
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Whether `value` (anything JSON) holds the stand-in `standIn` anywhere, also inside a string of JSON; stand-ins
 * shorter than 8 characters (a port) are never looked for, they would match by chance.
 */
export function holdsStandIn(value: unknown, standIn: string | number): boolean {
  if (typeof standIn !== "string" || standIn.length < 8) return false;
  const escaped = JSON.stringify(standIn).slice(1, -1);
  const text = JSON.stringify(value) ?? "";
  return text.includes(escaped) || text.includes(JSON.stringify(escaped).slice(1, -1));
}
