/**
 * Two regions of the same environments in one account: every name AWS keeps once per account (IAM, CloudFront,
 * WAF for CloudFront, dashboards) and every name in a region both deployments write to (the app's region, and
 * us-east-1 where the edge layer puts CloudFront's certificate, WAF and alarm) differs between the two synths.
 * us-east-1 as the second app region is the hard case: its own regional resources sit beside the other's edge ones.
 */
import { synthApp, type Synthesized, type TerraformJson } from "./synth";

/** Resource types whose names are unique per account, whatever the provider's region. */
const ACCOUNT_WIDE = new Set([
  "aws_iam_role",
  "aws_iam_policy",
  "aws_cloudfront_cache_policy",
  "aws_cloudfront_origin_request_policy",
  "aws_cloudfront_response_headers_policy",
  "aws_cloudfront_origin_access_control",
  "aws_cloudwatch_dashboard",
]);
/** The attributes that hold a resource's name (buckets use bucket_prefix: AWS adds a unique suffix). */
const NAME_ATTRIBUTES = [
  "name",
  "function_name",
  "alarm_name",
  "dashboard_name",
  "identifier",
  "replication_group_id",
  "user_id",
  "user_name",
  "domain",
  "configuration_set_name",
];

/** `<scope>|<type>|<name>` of every literally named resource: scope = the account or the provider's region. */
function namesOf(app: Synthesized): Set<string> {
  const out = new Set<string>();
  for (const stackName of app.stackNames) {
    const stack: TerraformJson = app.stack(stackName);
    const providers = (stack.provider?.aws ?? []) as Array<{ alias?: string; region?: string }>;
    const regionOf = (provider: unknown) =>
      (provider === undefined
        ? providers.find((p) => p.alias === undefined)
        : providers.find((p) => `aws.${p.alias}` === provider)
      )?.region ?? "?";
    for (const [type, byId] of Object.entries(stack.resource ?? {})) {
      for (const body of Object.values(byId)) {
        for (const attribute of NAME_ATTRIBUTES) {
          const name = body[attribute];
          if (typeof name !== "string" || name.includes("${")) continue;
          const scope =
            ACCOUNT_WIDE.has(type) || (type === "aws_wafv2_web_acl" && body.scope === "CLOUDFRONT")
              ? "account"
              : regionOf(body.provider);
          out.add(`${scope}|${type}|${name}`);
        }
      }
    }
  }
  return out;
}

test("the environments of two regions in one account share no name", () => {
  // Both with everything that names resources in us-east-1 or account-wide: WAF (prod), a domain's certificate.
  const domain = { domain: { name: "blog.example.com", hostedZoneId: "Z123456ABCDEFG" } };
  const first = namesOf(synthApp({ ...domain, region: "eu-west-1" }));
  const second = namesOf(synthApp({ ...domain, region: "us-east-1" }));
  expect(first.size).toBeGreaterThan(100);
  expect([...first].filter((name) => second.has(name))).toEqual([]);
  // The account-wide names carry the region, so the test is not vacuous.
  expect([...first].filter((n) => n.startsWith("account|aws_iam_role|")).length).toBeGreaterThan(10);
  expect([...first].some((n) => n.startsWith("account|aws_wafv2_web_acl|myblog-prod-eu-west-1-"))).toBe(true);
  expect([...first].some((n) => n.startsWith("us-east-1|aws_sns_topic|"))).toBe(true);
});
