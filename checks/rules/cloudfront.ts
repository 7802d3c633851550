/** CloudFront distributions and their response headers policies. */
import { block, blocks, isTrue, asNumber, type JsonObject, type Resource } from "../model";
import { NOT_APPLICABLE, resourceRule, type RuleContext } from "../rule";

const DISTRIBUTION = ["aws_cloudfront_distribution"];

/** AWS-managed "SecurityHeadersPolicy": HSTS max-age one year, includeSubDomains, override. */
const MANAGED_SECURITY_HEADERS_POLICY = "67f7725c-6f97-4210-82d7-5512b31e9d03";
const ONE_YEAR = 31536000;
const MODERN_TLS = ["TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];

function behaviours(distribution: Resource): { name: string; body: JsonObject }[] {
  const ordered = blocks(distribution.body.ordered_cache_behavior).map((b) => ({
    name: `ordered_cache_behavior ${String(b.path_pattern)}`,
    body: b,
  }));
  const main = blocks(distribution.body.default_cache_behavior).map((b) => ({
    name: "default_cache_behavior",
    body: b,
  }));
  return [...main, ...ordered];
}

/** Problems of a response headers policy's HSTS header (empty when it is strict enough). */
function hstsProblems(policy: Resource): string[] {
  const hsts = block(block(policy.body.security_headers_config)?.strict_transport_security);
  if (!hsts) return ["has no strict_transport_security header"];
  const problems: string[] = [];
  const maxAge = asNumber(hsts.access_control_max_age_sec);
  if (maxAge === undefined || maxAge < ONE_YEAR)
    problems.push(`HSTS max-age ${String(maxAge)} is below ${ONE_YEAR} s (one year)`);
  if (!isTrue(hsts.include_subdomains)) problems.push("HSTS does not include subdomains");
  if (!isTrue(hsts.override)) problems.push("HSTS does not override the origin's header");
  return problems;
}

function headersPolicyProblem(id: unknown, distribution: Resource, ctx: RuleContext): string | undefined {
  if (id === undefined || id === "") return "has no response_headers_policy_id";
  if (id === MANAGED_SECURITY_HEADERS_POLICY) return undefined;
  const policies = ctx.model
    .referencedBy(distribution.stack, id)
    .filter((r) => r.type === "aws_cloudfront_response_headers_policy");
  if (policies.length === 0) {
    // A literal id of a policy created elsewhere cannot be inspected; the one we can read is the managed one.
    return ctx.model.hasUnresolvedRemote(distribution.stack, id)
      ? undefined
      : `response headers policy ${String(id)} is neither defined in the app nor the managed SecurityHeadersPolicy`;
  }
  const problems = hstsProblems(policies[0]);
  return problems.length
    ? `response headers policy ${policies[0].address} ${problems.join(", ")}`
    : undefined;
}

export const cloudfrontRules = [
  resourceRule({
    id: "CKV_AWS_34",
    title: "CloudFront redirects or refuses plain HTTP",
    description:
      "A cache behaviour has viewer_protocol_policy allow-all, so viewers can use unencrypted HTTP.",
    remediation:
      'Set viewer_protocol_policy = "redirect-to-https" (or "https-only") in every cache behaviour.',
    types: DISTRIBUTION,
    check: (d) =>
      behaviours(d)
        .filter(
          (b) => b.body.viewer_protocol_policy === "allow-all" || b.body.viewer_protocol_policy === undefined,
        )
        .map((b) => `${b.name} allows plain HTTP`),
  }),
  resourceRule({
    id: "CKV_AWS_174",
    title: "CloudFront requires TLS 1.2 or later from viewers",
    description:
      "The viewer certificate allows TLS below 1.2. The default *.cloudfront.net certificate always accepts TLSv1, so it fails too.",
    remediation:
      'Use an ACM certificate (us-east-1) with ssl_support_method "sni-only" and minimum_protocol_version "TLSv1.2_2021". Where no custom domain is configured, suppress with that reason.',
    types: DISTRIBUTION,
    check(d) {
      const cert = block(d.body.viewer_certificate);
      if (!cert) return "has no viewer_certificate";
      if (isTrue(cert.cloudfront_default_certificate))
        return "uses the default CloudFront certificate, which accepts TLSv1";
      const version = cert.minimum_protocol_version;
      return MODERN_TLS.includes(String(version))
        ? undefined
        : `minimum_protocol_version is ${String(version)}, not TLSv1.2_2021`;
    },
  }),
  resourceRule({
    id: "CKV_AWS_68",
    title: "CloudFront has a WAF web ACL",
    description: "No WAF web ACL filters requests before they reach the origins.",
    remediation:
      "Set web_acl_id to an aws_wafv2_web_acl (scope CLOUDFRONT, us-east-1) with the managed common rule set and a rate limit; where the environment disables WAF by configuration, suppress with that reason.",
    types: DISTRIBUTION,
    check: (d) => (d.body.web_acl_id ? undefined : "has no web_acl_id"),
  }),
  resourceRule({
    id: "CKV_AWS_86",
    title: "CloudFront has access logging",
    description: "Viewer requests are not logged.",
    remediation:
      "Add logging_config { bucket = <access-log bucket domain name>, prefix = ... } (or a v2 log delivery).",
    types: DISTRIBUTION,
    check(d, ctx) {
      if (block(d.body.logging_config)?.bucket) return undefined;
      // Standard logging v2: a CloudWatch log delivery source for this distribution.
      const v2 = ctx.model.referrers(d, "aws_cloudwatch_log_delivery_source", "resource_arn");
      return v2.length ? undefined : "has no logging_config";
    },
  }),
  resourceRule({
    id: "CKV_AWS_305",
    title: "CloudFront has a default root object",
    description:
      "Without default_root_object a request for / lists or errors at the origin instead of serving index.html.",
    remediation: 'Set default_root_object = "index.html".',
    types: DISTRIBUTION,
    check: (d) =>
      typeof d.body.default_root_object === "string" && d.body.default_root_object !== ""
        ? undefined
        : "has no default_root_object",
  }),
  resourceRule({
    id: "CKV2_AWS_46",
    title: "CloudFront reads S3 origins through Origin Access Control",
    description:
      "An S3 origin has no origin_access_control_id (or one that does not sign requests), so the bucket must be public or use the legacy OAI.",
    remediation:
      'Create aws_cloudfront_origin_access_control { origin_access_control_origin_type = "s3", signing_behavior = "always", signing_protocol = "sigv4" } and set origin_access_control_id on the origin.',
    types: DISTRIBUTION,
    check(d, ctx) {
      const s3Origins = blocks(d.body.origin).filter((o) => blocks(o.custom_origin_config).length === 0);
      if (s3Origins.length === 0) return NOT_APPLICABLE;
      return s3Origins.flatMap((o) => {
        const name = `S3 origin ${String(o.origin_id)}`;
        if (!o.origin_access_control_id) return [`${name} has no origin_access_control_id`];
        const oac = ctx.model
          .referencedBy(d.stack, o.origin_access_control_id)
          .find((r) => r.type === "aws_cloudfront_origin_access_control");
        // An OAC created in a stack that is not loaded (or given as a literal id) cannot be inspected.
        if (!oac || oac.body.signing_behavior === "always") return [];
        return [
          `${name} uses ${oac.address} with signing_behavior ${String(oac.body.signing_behavior)}, not always`,
        ];
      });
    },
  }),
  resourceRule({
    id: "CKV2_AWS_32",
    title: "CloudFront sends security headers with HSTS",
    description: "A cache behaviour has no response headers policy with a strict HSTS header.",
    remediation:
      "Attach an aws_cloudfront_response_headers_policy with strict_transport_security (max-age ≥ 31536000, include_subdomains, override) to every cache behaviour.",
    types: DISTRIBUTION,
    check: (d, ctx) =>
      behaviours(d).flatMap((b) => {
        const problem = headersPolicyProblem(b.body.response_headers_policy_id, d, ctx);
        return problem ? [`${b.name} ${problem}`] : [];
      }),
  }),
  resourceRule({
    id: "CKV_AWS_259",
    title: "Response headers policy enforces strict HSTS",
    description:
      "The response headers policy has no HSTS header, or one that is short-lived or can be overridden by the origin.",
    remediation:
      "In security_headers_config set strict_transport_security { access_control_max_age_sec = 31536000, include_subdomains = true, preload = true, override = true }.",
    types: ["aws_cloudfront_response_headers_policy"],
    check: (p) => hstsProblems(p),
  }),
];
