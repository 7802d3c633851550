/**
 * What counts as public, decided once for the rule pack (checks/) and the plan summary (pipeline/summary/):
 * a policy statement that anyone may use, and ingress open to the whole internet. Imports nothing of the
 * project but the policy reading beside it, so either side may use it without depending on the other.
 */
import type { Statement } from "./policy-document";

/**
 * Condition keys that pin who calls (or from where) once they hold fixed values: AWS's own list for when a
 * `Principal: "*"` policy is not public (S3's "meaning of public", which Block Public Access enforces).
 * A condition on any other key (`aws:SecureTransport`, `aws:UserAgent`, `aws:Referer`, request tags) lets in
 * every caller who meets it, so the statement stays public: "any Condition scopes", as the summary used to
 * judge, would pass an `Allow *` whose only condition is HTTPS, which anyone on the internet can use.
 */
const SCOPING_KEYS = new Set([
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceowner",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceip",
  "aws:principalorgid",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:userid",
  "s3:dataaccesspointarn",
  "s3:dataaccesspointaccount",
]);

/**
 * Operators under which a matching key narrows the callers. Negated ones (`StringNotEquals`: everyone but),
 * `…IfExists` and `ForAllValues:` (true when the key is absent, as it is for an anonymous caller) and `Null`
 * do not; `ForAnyValue:` does, as it needs the key present and matching.
 */
const NARROWING_OPERATORS = new Set([
  "stringequals",
  "stringequalsignorecase",
  "stringlike",
  "arnequals",
  "arnlike",
  "ipaddress",
]);

/** An IAM policy variable (`${aws:username}`, `${*}`); Terraform references (`${aws_sns_topic.t.arn}`) are fixed. */
const POLICY_VARIABLE = /\$\{(?:[\w-]+:|[*?$]\})/;

/** An `aws:SourceIp` range wider than this prefix length is public by AWS's definition. */
const WIDEST_SCOPING_PREFIX = { ipv4: 8, ipv6: 32 };

function isFixed(key: string, value: string): boolean {
  if (value === "" || /[*?]/.test(value.replace(/\$\{[^}]*\}/g, "")) || POLICY_VARIABLE.test(value))
    return false;
  if (key !== "aws:sourceip") return true;
  const prefix = /\/(\d+)$/.exec(value);
  if (!prefix) return true;
  return Number(prefix[1]) >= WIDEST_SCOPING_PREFIX[value.includes(":") ? "ipv6" : "ipv4"];
}

/** Does a condition pin the statement to fixed accounts, organizations, sources, networks or principals? */
export function isScopedByCondition(statement: Statement): boolean {
  for (const [operator, keys] of statement.conditions) {
    if (!NARROWING_OPERATORS.has(operator.replace(/^foranyvalue:/, ""))) continue;
    for (const [key, values] of keys) {
      if (SCOPING_KEYS.has(key) && values.length > 0 && values.every((v) => isFixed(key, v))) return true;
    }
  }
  return false;
}

export function isPublicPrincipal(statement: Statement): boolean {
  return statement.principals.includes("*");
}

/**
 * Anyone may use the statement: it allows `Principal: "*"` (or everyone outside a `NotPrincipal`) and no
 * condition narrows who calls.
 */
export function isPublicStatement(statement: Statement): boolean {
  return (
    statement.effect === "Allow" &&
    (isPublicPrincipal(statement) || statement.hasNotPrincipal) &&
    !isScopedByCondition(statement)
  );
}

export const WORLD_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

type Values = Record<string, unknown>;
const isValues = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);
/** Nested blocks come as a list in plan JSON and as an object or a list in synthesized JSON. */
const nestedBlocks = (v: unknown): Values[] =>
  Array.isArray(v) ? v.filter(isValues) : isValues(v) ? [v] : [];
const strings = (...vs: unknown[]): string[] =>
  vs.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((x): x is string => typeof x === "string");

function portRange(rule: Values): string {
  const protocol = String(rule.protocol ?? rule.ip_protocol ?? "");
  if (protocol === "-1" || protocol === "all") return "all traffic";
  const from = rule.from_port;
  const to = rule.to_port ?? from;
  return from === undefined
    ? protocol
    : from === to
      ? `${protocol} port ${String(from)}`
      : `${protocol} ports ${String(from)}-${String(to)}`;
}

/**
 * Ingress from the whole internet (0.0.0.0/0, ::/0) that a security group, its rules or a network ACL allows,
 * one description each ("ingress tcp port 22 from 0.0.0.0/0"); `values` are the resource's attributes.
 */
export function openIngress(type: string, values: Values): string[] {
  const open = (rule: Values, cidrs: string[]) =>
    cidrs.filter((c) => WORLD_CIDRS.includes(c)).map((c) => `ingress ${portRange(rule)} from ${c}`);
  switch (type) {
    case "aws_security_group":
    case "aws_default_security_group":
      return nestedBlocks(values.ingress).flatMap((r) => open(r, strings(r.cidr_blocks, r.ipv6_cidr_blocks)));
    case "aws_security_group_rule":
      return values.type === "ingress"
        ? open(values, strings(values.cidr_blocks, values.ipv6_cidr_blocks))
        : [];
    case "aws_vpc_security_group_ingress_rule":
      return open(values, strings(values.cidr_ipv4, values.cidr_ipv6));
    case "aws_network_acl_rule":
      return values.egress === true || values.rule_action !== "allow"
        ? []
        : open(values, strings(values.cidr_block, values.ipv6_cidr_block));
    case "aws_network_acl":
    case "aws_default_network_acl":
      return nestedBlocks(values.ingress)
        .filter((r) => r.action === "allow")
        .flatMap((r) => open(r, strings(r.cidr_block, r.ipv6_cidr_block)));
    default:
      return [];
  }
}
