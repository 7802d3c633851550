/**
 * The edge layer's building blocks on their own, in a stack like the edge's: the addresses they keep and the
 * combinations they refuse. (What the edge stack wires together: edge.test.ts.)
 */
import { Names } from "../../lib/naming";
import { Operations } from "../../lib/operations";
import { SiteDistribution, type SiteDistributionProps } from "../../lib/site-distribution";
import { SiteDomain } from "../../lib/site-domain";
import { StaticSite } from "../../lib/static-site";
import { EdgeWebAcl } from "../../lib/web-acl";
import type { BlogStack } from "../../stacks/blog-stack";
import { synthInLayer } from "./layer-stack";
import { policy, resources, type TerraformJson } from "./synth";

const names = new Names("app", "dev", "eu-west-1");
const synth = (define: (stack: BlogStack) => void, comments = false) =>
  synthInLayer("edge", define, { comments });

describe("StaticSite", () => {
  const site = (stack: BlogStack) =>
    new StaticSite(stack, "site", { names, kmsKeyArn: "key", accessLogBucket: "logs" });

  it("keeps the addresses the edge stack gave the bucket and files, and leaves the policy to the distribution", () => {
    const json = synth((stack) => site(stack).publish({}));
    expect(Object.keys(resources(json, "aws_s3_bucket"))).toEqual(["web_bucket_58BAB46E"]);
    expect(resources(json, "aws_s3_bucket_policy")).toEqual({});
    const objects = resources(json, "aws_s3_object");
    expect(objects["site-index-html"]).toMatchObject({
      key: "index.html",
      content_type: "text/html; charset=utf-8",
    });
    expect(objects["site-config"]).toMatchObject({ key: "config.json", cache_control: "no-cache" });
  });

  it("publishes once: the configuration names what exists only after the bucket", () => {
    expect(() =>
      synth((stack) => {
        const s = site(stack);
        s.publish({});
        s.publish({});
      }),
    ).toThrow("the site is published once");
  });
});

describe("SiteDomain", () => {
  it("validates a us-east-1 certificate through the zone and points the name at the distribution", () => {
    const json = synth((stack) => {
      const domain = new SiteDomain(stack, "domain", {
        name: "blog.example.com",
        hostedZoneId: "Z0123456789ABC",
        provider: stack.providerIn("us-east-1"),
      });
      domain.pointAt({ domainName: "d111.cloudfront.net", hostedZoneId: "Z2FDTNDATAQYW2" });
    });
    expect(resources(json, "aws_acm_certificate").certificate).toMatchObject({
      provider: "aws.us-east-1",
      domain_name: "blog.example.com",
    });
    expect(resources(json, "aws_acm_certificate_validation")["certificate-valid"]).toMatchObject({
      provider: "aws.us-east-1",
      validation_record_fqdns: "${[for record in aws_route53_record.certificate-validation : record.fqdn]}",
    });
    const records = resources(json, "aws_route53_record");
    expect(Object.keys(records)).toEqual(["certificate-validation", "site-a", "site-aaaa"]);
    expect(records["site-aaaa"]).toMatchObject({
      zone_id: "Z0123456789ABC",
      name: "blog.example.com",
      type: "AAAA",
      alias: { name: "d111.cloudfront.net", zone_id: "Z2FDTNDATAQYW2", evaluate_target_health: false },
    });
  });
});

describe("EdgeWebAcl", () => {
  const logGroup = (logRetentionDays: number) =>
    resources(
      synth((stack) => {
        new EdgeWebAcl(stack, "acl", {
          name: "app-dev-eu-west-1-edge",
          metricName: "app-dev-edge",
          logRetentionDays,
          provider: stack.providerIn("us-east-1"),
        });
      }, true),
      "aws_cloudwatch_log_group",
    )["waf-logs"];
  const rules = (group: Record<string, any>) =>
    (group["//"]?.suppressions ?? []).map((s: { rule: string }) => s.rule);

  it("logs into a us-east-1 group named as WAF requires, excused from the app's key with its reason", () => {
    const group = logGroup(30);
    expect(group).toMatchObject({ name: "aws-waf-logs-app-dev-eu-west-1-edge", provider: "aws.us-east-1" });
    expect(rules(group)).toEqual(["CKV_AWS_158", "CKV_AWS_338"]);
  });

  it("asks no excuse for the retention when it keeps a year", () => {
    expect(rules(logGroup(365))).toEqual(["CKV_AWS_158"]);
  });
});

describe("SiteDistribution", () => {
  const distribution = (props: Partial<SiteDistributionProps>) =>
    synth((stack) => {
      const site = new StaticSite(stack, "site", { names, kmsKeyArn: "key", accessLogBucket: "logs" });
      new SiteDistribution(stack, "distribution", {
        names,
        region: "eu-west-1",
        siteBucket: site.bucket,
        mediaBucket: { name: "media", arn: "arn:aws:s3:::media", regionalDomainName: "media.s3" },
        api: { endpoint: "https://api.example.com", originVerifyValue: "secret" },
        uploadsBucketName: "uploads",
        priceClass: "PriceClass_100",
        accessLogBucketDomainName: "logs.s3",
        ...props,
      });
    }, true);
  const cdn = (json: TerraformJson) =>
    resources(json, "aws_cloudfront_distribution").cdn as Record<string, any>;
  const excused = (json: TerraformJson) =>
    (cdn(json)["//"].suppressions as { rule: string }[]).map((s) => s.rule).sort();

  it("serves the *.cloudfront.net name without a domain or a web ACL, and says why on the distribution", () => {
    const json = distribution({});
    expect(cdn(json).viewer_certificate).toEqual({ cloudfront_default_certificate: true });
    expect(cdn(json).aliases).toBeUndefined();
    expect(excused(json)).toEqual([
      "CKV2_AWS_42",
      "CKV2_AWS_47",
      "CKV_AWS_174",
      "CKV_AWS_310",
      "CKV_AWS_374",
      "CKV_AWS_68",
    ]);
  });

  it("serves the domain's certificate with TLSv1.2_2021 and names the web ACL, excusing only what still applies", () => {
    const json = distribution({
      domain: { name: "blog.example.com", certificateArn: "arn:cert" },
      webAclArn: "arn:acl",
    });
    expect(cdn(json)).toMatchObject({
      aliases: ["blog.example.com"],
      web_acl_id: "arn:acl",
      viewer_certificate: { acm_certificate_arn: "arn:cert", minimum_protocol_version: "TLSv1.2_2021" },
    });
    expect(excused(json)).toEqual(["CKV2_AWS_47", "CKV_AWS_310", "CKV_AWS_374"]);
  });

  it("lets only this distribution read the site and the media folder, over TLS", () => {
    const policies = resources(distribution({}), "aws_s3_bucket_policy");
    expect(Object.keys(policies).sort()).toEqual(["media-policy", "web-policy"]);
    const media = policy(policies["media-policy"].policy);
    expect(media.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "CloudFrontReadsThroughOac"]);
    expect(media.Statement[1]).toMatchObject({
      Resource: ["arn:aws:s3:::media/media/*"],
      Condition: { StringEquals: { "AWS:SourceArn": "${aws_cloudfront_distribution.cdn.arn}" } },
    });
  });
});

describe("Operations", () => {
  const operations = (production: boolean) =>
    synth((stack) => {
      new Operations(stack, "operations", {
        names,
        region: "eu-west-1",
        accountId: "123456789012",
        provider: stack.providerIn("us-east-1"),
        production,
        distributionId: "E123",
        apiId: "api1",
        monitored: {
          functions: ["app-dev-api"],
          streamConsumers: [],
          deadLetterQueues: [],
          tables: [],
          databaseIdentifier: "app-dev-postgres",
          cacheNodes: ["app-dev-cache-001"],
        },
        databaseConnectionsAlarm: 50,
        alarmEmails: [],
        alarmSubscriptions: [],
      });
    });

  it("keeps the edge stack's addresses for the dashboard and CloudFront's alarm, its topic and key", () => {
    const json = operations(false);
    expect(Object.keys(resources(json, "aws_cloudwatch_dashboard"))).toEqual(["dashboard"]);
    expect(resources(json, "aws_cloudwatch_metric_alarm")["cdn-5xx-rate"]).toMatchObject({
      provider: "aws.us-east-1",
      dimensions: { DistributionId: "E123", Region: "Global" },
    });
    expect(Object.keys(resources(json, "aws_sns_topic"))).toEqual(["edge-ops-topic"]);
    expect(Object.keys(resources(json, "aws_kms_key"))).toEqual(["edge-alarm-key"]);
  });

  it("pays for CloudFront's additional metrics in production only", () => {
    expect(resources(operations(false), "aws_cloudfront_monitoring_subscription")).toEqual({});
    expect(Object.keys(resources(operations(true), "aws_cloudfront_monitoring_subscription"))).toEqual([
      "cdn-additional-metrics",
    ]);
  });
});
