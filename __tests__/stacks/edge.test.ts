import { ERROR_RESPONSES, UNAVAILABLE_PAGE } from "../../edge/error-responses";
import { viewerRequestCode } from "../../edge/runtime";
import { STATUS_BY_KIND } from "../../handlers/api/http";
import { networkKeyReference, only, policy, resources, synthApp } from "./synth";

describe("edge stack", () => {
  const app = synthApp();
  const edge = app.stack("myblog-dev-edge");
  const cdn = only(edge, "aws_cloudfront_distribution") as Record<string, any>;

  it("reaches both buckets only through CloudFront with OAC and an AWS:SourceArn condition", () => {
    const origins = cdn.origin as Array<Record<string, unknown>>;
    expect(
      origins
        .filter((o) => o.origin_access_control_id)
        .map((o) => o.origin_id)
        .sort(),
    ).toEqual(["media", "web"]);
    const policies = Object.values(resources(edge, "aws_s3_bucket_policy")).map((p) => policy(p.policy));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Statement[0]).toMatchObject({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
      expect(p.Statement[1]).toMatchObject({
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Condition: { StringEquals: { "AWS:SourceArn": "${aws_cloudfront_distribution.cdn.arn}" } },
      });
    }
  });

  it("routes /media/* to the media bucket and /api/* to the API without forwarding Host", () => {
    const behaviours = cdn.ordered_cache_behavior as Array<Record<string, unknown>>;
    expect(behaviours.map((b) => `${b.path_pattern}->${b.target_origin_id}`)).toEqual([
      "/media/*->media",
      "/api/*->api",
    ]);
    for (const b of [cdn.default_cache_behavior, ...behaviours]) {
      expect(b).toMatchObject({ viewer_protocol_policy: "redirect-to-https", compress: true });
    }
    const request = only(edge, "aws_cloudfront_origin_request_policy");
    expect(JSON.stringify(request).toLowerCase()).not.toMatch(/"host"/);
    const cache = only(edge, "aws_cloudfront_cache_policy");
    expect(cache).toMatchObject({ min_ttl: 0, default_ttl: 0, max_ttl: 60 });
  });

  it("serves HTTP/2 and 3, a default root object, logs, and sends HSTS and security headers", () => {
    expect(cdn).toMatchObject({
      http_version: "http2and3",
      default_root_object: "index.html",
      price_class: "PriceClass_100",
    });
    expect(cdn.logging_config.prefix).toBe("cloudfront/myblog-dev-site/");
    const headers = only(edge, "aws_cloudfront_response_headers_policy").security_headers_config as Record<
      string,
      any
    >;
    expect(headers.strict_transport_security).toMatchObject({
      access_control_max_age_sec: 63072000,
      include_subdomains: true,
    });
    const csp = String(headers.content_security_policy.content_security_policy);
    expect(csp).toMatch(/default-src 'self'/);
    // The pages reach AWS only at the uploads bucket and Cognito (identity pool, hosted UI): no *.amazonaws.com.
    const connect = csp
      .split("; ")
      .find((directive) => directive.startsWith("connect-src"))!
      .split(" ");
    expect(connect).toEqual([
      "connect-src",
      "'self'",
      expect.stringMatching(
        /^https:\/\/\$\{data\.terraform_remote_state\..*uploads_bucket.*\}\.s3\.eu-west-1\.amazonaws\.com$/,
      ),
      "https://*.amazoncognito.com",
      "https://cognito-identity.eu-west-1.amazonaws.com",
    ]);
  });

  it("uploads each built file with its content type, cache-control and a content hash", () => {
    const objects = Object.values(resources(edge, "aws_s3_object"));
    const html = objects.find((o) => o.key === "index.html")!;
    expect(html).toMatchObject({ content_type: "text/html; charset=utf-8", cache_control: "no-cache" });
    expect(String(html.source_hash)).toMatch(/^[0-9a-f]{32}$/);
    const hashed = objects.filter((o) => String(o.key).startsWith("assets/"));
    expect(hashed.length).toBeGreaterThanOrEqual(2);
    for (const asset of hashed) expect(asset.cache_control).toBe("public, max-age=31536000, immutable");
  });

  it("writes the site's URL, encrypted, to the parameter the welcome e-mail reads", () => {
    expect(only(edge, "aws_ssm_parameter")).toMatchObject({
      name: "/myblog/dev/site-url",
      type: "SecureString",
      key_id: networkKeyReference(app, "dev"),
      value: "https://${aws_cloudfront_distribution.cdn.domain_name}",
    });
  });

  it("signs authors in without a custom domain: a public PKCE client whose callbacks are the CloudFront address", () => {
    const client = only(edge, "aws_cognito_user_pool_client");
    expect(client).toMatchObject({
      generate_secret: false,
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_flows: ["code"],
      callback_urls: [
        "https://${aws_cloudfront_distribution.cdn.domain_name}/",
        "https://${aws_cloudfront_distribution.cdn.domain_name}/author",
      ],
      logout_urls: ["https://${aws_cloudfront_distribution.cdn.domain_name}/"],
    });
    expect(String(client.user_pool_id)).toMatch(/myblog-dev-api.*cognito_user_pool/);
    const [clientId] = Object.keys(resources(edge, "aws_cognito_user_pool_client"));
    const authorizer = only(edge, "aws_apigatewayv2_authorizer");
    expect(authorizer.jwt_configuration).toEqual({
      issuer: expect.stringMatching(/^https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/\$\{/),
      audience: [`\${aws_cognito_user_pool_client.${clientId}.id}`],
    });
    // The site learns the hosted UI and the client from /config.json.
    const config = Object.values(resources(edge, "aws_s3_object")).find((o) => o.key === "config.json")!;
    expect(String(config.content)).toMatch(
      /"authorizeUrl" = "https:\/\/\$\{.*authors-domaindomain\}\.auth\.eu-west-1\.amazoncognito\.com\/oauth2\/authorize"/,
    );
    expect(String(config.content)).toContain(`"clientId" = aws_cognito_user_pool_client.${clientId}.id`);
  });

  it("publishes the viewer-request function from its one file, on the site's behaviour only", () => {
    expect(only(edge, "aws_cloudfront_function")).toMatchObject({
      runtime: "cloudfront-js-2.0",
      publish: true,
      code: viewerRequestCode(),
    });
    expect(cdn.default_cache_behavior.function_association).toEqual([
      { event_type: "viewer-request", function_arn: "${aws_cloudfront_function.viewer-request.arn}" },
    ]);
    for (const behaviour of cdn.ordered_cache_behavior as Array<Record<string, unknown>>) {
      expect(behaviour.function_association).toBeUndefined();
    }
  });

  it("puts error pages only on codes the API never answers with its own JSON, with short error caching", () => {
    expect(cdn.custom_error_response).toEqual(
      ERROR_RESPONSES.map((r) => ({
        error_code: r.errorCode,
        error_caching_min_ttl: r.cachingSeconds,
        ...(r.page ? { response_code: r.errorCode, response_page_path: r.page } : {}),
      })),
    );
    const withPage = (cdn.custom_error_response as Array<Record<string, unknown>>).filter(
      (r) => r.response_page_path,
    );
    expect(withPage.map((r) => r.error_code)).toEqual([502, 504]);
    const apiCodes = new Set(Object.values(STATUS_BY_KIND));
    for (const r of withPage) expect(apiCodes.has(r.error_code as number)).toBe(false);
    for (const r of cdn.custom_error_response as Array<Record<string, number>>)
      expect(r.error_caching_min_ttl).toBeLessThanOrEqual(10);
    // The page is one of the site's objects.
    const keys = Object.values(resources(edge, "aws_s3_object")).map((o) => `/${o.key}`);
    expect(keys).toContain(UNAVAILABLE_PAGE);
  });

  it("adds a us-east-1 certificate with DNS validation, aliases and WAF when configured", () => {
    const custom = synthApp({
      domain: { name: "blog.example.com", hostedZoneId: "Z0123456789ABC" },
      environments: {
        prod: { allowAnyAccount: true, edge: { waf: true }, alarmEmails: ["ops@example.com"] },
      },
    }).stack("myblog-prod-edge") as Record<string, any>;
    const dist = only(custom, "aws_cloudfront_distribution") as Record<string, any>;
    // The www host is served (and redirected by the function): on the distribution, the certificate and in DNS.
    expect(dist.aliases).toEqual(["blog.example.com", "www.blog.example.com"]);
    expect(only(custom, "aws_acm_certificate")).toMatchObject({
      domain_name: "blog.example.com",
      subject_alternative_names: ["www.blog.example.com"],
    });
    const records = Object.values(resources(custom, "aws_route53_record"))
      .filter((r) => r.alias)
      .map((r) => `${r.name} ${r.type}`)
      .sort();
    expect(records).toEqual([
      "blog.example.com A",
      "blog.example.com AAAA",
      "www.blog.example.com A",
      "www.blog.example.com AAAA",
    ]);
    expect(dist.viewer_certificate).toMatchObject({
      ssl_support_method: "sni-only",
      minimum_protocol_version: "TLSv1.2_2021",
    });
    expect(only(custom, "aws_acm_certificate")).toMatchObject({
      provider: "aws.us-east-1",
      validation_method: "DNS",
    });
    expect(only(custom, "aws_wafv2_web_acl")).toMatchObject({
      provider: "aws.us-east-1",
      scope: "CLOUDFRONT",
    });
    expect(dist.web_acl_id).toBe("${aws_wafv2_web_acl.waf.arn}");
    // `statement` is untyped in the bindings, so nothing converts its keys: they must be Terraform's already.
    const statements = (only(custom, "aws_wafv2_web_acl").rule as { statement: object }[]).map(
      (r) => r.statement,
    );
    expect(statements).toEqual([
      { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
      { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } },
      { rate_based_statement: { limit: 2000, aggregate_key_type: "IP" } },
    ]);
    expect(only(custom, "aws_wafv2_web_acl_logging_configuration")).toMatchObject({
      provider: "aws.us-east-1",
      resource_arn: "${aws_wafv2_web_acl.waf.arn}",
      log_destination_configs: ["${aws_cloudwatch_log_group.waf-logs.arn}"],
    });
    expect(resources(custom, "aws_cloudwatch_log_group")["waf-logs"]).toMatchObject({
      name: "aws-waf-logs-myblog-prod-eu-west-1-edge",
      provider: "aws.us-east-1",
    });
    expect(only(custom, "aws_acm_certificate_validation").validation_record_fqdns).toBe(
      "${[for record in aws_route53_record.certificate-validation : record.fqdn]}",
    );
    expect(Object.keys(resources(custom, "aws_route53_record"))).toEqual(
      expect.arrayContaining(["site-a", "site-aaaa", "certificate-validation"]),
    );
    expect(only(custom, "aws_ssm_parameter").value).toBe("https://blog.example.com");
    expect(only(custom, "aws_cognito_user_pool_client").callback_urls).toEqual([
      "https://blog.example.com/",
      "https://blog.example.com/author",
    ]);
  });
});
