/**
 * No two stacks of one app own the same account- or zone-global name: over every configuration of the matrix, its
 * environments together, and the deployments of one app in two regions together (examples of the same `app`).
 */
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import { EXAMPLES, type Example } from "../../matrix/examples";
import { doubleOwnership, stackClaims, synthClaims, type Claim } from "../../matrix/ownership";
import { synthApp } from "../stacks/synth";

const synthOf = (example: Example, overrides: Record<string, unknown> = {}) =>
  synthApp(overrides, example.file ? { BLOG_CONFIG: path.join(PROJECT_ROOT, example.file) } : {});

const unclassified = new Set<string>();
const claims = new Map<string, Claim[]>(
  EXAMPLES.map((example) => [example.name, synthClaims(synthOf(example).outdir, example.name, unclassified)]),
);
const apps = [...new Set(EXAMPLES.map((e) => e.app))];
const claimsOfApp = (app: string) =>
  EXAMPLES.filter((e) => e.app === app).flatMap((e) => claims.get(e.name) ?? []);

test.each(apps)("no name of app %s is owned by two stacks", (app) => {
  expect(doubleOwnership(claimsOfApp(app))).toEqual([]);
});

test("every name-like attribute of every synthesized resource is judged unique or not", () => {
  expect([...unclassified]).toEqual([]);
});

test("the claims cover every kind of shared name the layout decides (the pass is not vacuous)", () => {
  const names = [...claims.values()].flat().map((c) => c.name);
  const kinds = [
    /^DNS record Z0123456789ABCDEFGHIJ mail\.dev\.blog\.example\.com MX$/,
    /^DNS record Z0123456789ABCDEFGHIJ _dmarc\.blog\.example\.com TXT$/,
    /^DNS record Z0123456789ABCDEFGHIJ dev\.us-east-1\.blog\.example\.com A$/,
    /^SES identity eu-west-1 no-reply\+dev@example\.com$/,
    /^SES identity us-east-1 us-east-1\.blog\.example\.com$/,
    /^CloudFront alias blog\.example\.com$/,
    /^certificate \(and its validation record\) dev\.blog\.example\.com$/,
    /^IAM role myblog-prod-us-east-1-api-fn$/,
    /^S3 bucket acme-blog-prod-tfstate$/,
    /^log group eu-west-1 \/aws\/lambda\/myblog-dev-api$/,
    /^SSM parameter us-east-1 \/myblog\/prod\/site-url$/,
    /^WAF web ACL CLOUDFRONT myblog-prod-eu-west-1-/,
    /^DynamoDB table eu-central-1 myblog-prod-subscribers$/,
    /^Backup vault us-east-1 myblog-prod-eu-west-1-backup$/,
    /^CloudTrail trail us-east-1 myblog-prod-object-audit$/,
    /^KMS alias eu-central-1 alias\/myblog-prod-eu-west-1-data-replicas$/,
    /^state file terraform\.myblog-dev-network\.tfstate$/,
    /^state s3:\/\/acme-blog-tfstate\/myblog\/dev\/us-east-1\/network\.tfstate$/,
    /^state s3:\/\/acme-blog-prod-tfstate\/myblog\/prod\/edge\.tfstate$/,
  ];
  expect(kinds.filter((kind) => !names.some((n) => kind.test(n))).map(String)).toEqual([]);
});

test("a second region that does not name its home region is caught on its state, DNS and CloudFront names", () => {
  const home = EXAMPLES.find((e) => e.name === "one-account")!;
  const second = EXAMPLES.find((e) => e.name === "second-region")!;
  const unaware = synthClaims(synthOf(second, { homeRegion: "us-east-1" }).outdir, "unaware");
  const found = doubleOwnership([...claims.get(home.name)!, ...unaware]).map((d) => d.name);
  expect(found).toEqual(
    expect.arrayContaining([
      "state s3://acme-blog-tfstate/myblog/prod/data.tfstate",
      "S3 bucket acme-blog-tfstate",
      "CloudFront alias blog.example.com",
      "CloudFront alias www.blog.example.com",
      "certificate (and its validation record) www.blog.example.com",
      "DNS record Z0123456789ABCDEFGHIJ www.blog.example.com A",
      "DNS record Z0123456789ABCDEFGHIJ mail.blog.example.com MX",
      "DNS record Z0123456789ABCDEFGHIJ _dmarc.blog.example.com TXT",
    ]),
  );
});

test("claims read the backend or workspace, scope names by provider region, and skip names made of references", () => {
  const unknown = new Set<string>();
  const claimsOf = stackClaims(
    {
      terraform: { cloud: { organization: "acme", workspaces: { name: "blog-x" } } },
      provider: { aws: [{ region: "eu-west-1" }, { alias: "us-east-1", region: "us-east-1" }] },
      resource: {
        aws_route53_record: {
          site: { zone_id: "Z1", name: "Blog.Example.com.", type: "A" },
          dkim: {
            zone_id: "Z1",
            name: "${aws_ses_domain_dkim.d.dkim_tokens[0]}._domainkey.x",
            type: "CNAME",
          },
        },
        aws_wafv2_web_acl: { edge: { name: "acl", scope: "CLOUDFRONT", provider: "aws.us-east-1" } },
        aws_sns_topic: { twin: { name: "ops", provider: "aws.us-east-1" } },
        aws_cloudtrail: {
          one: { name: "trail" },
          everywhere: { name: "trail", is_multi_region_trail: true },
        },
        aws_dynamodb_table: { t: { name: "t", replica: [{ region_name: "eu-central-1" }] } },
        aws_made_up: { m: { name: "who-knows" } },
      },
    },
    "x:stack",
    unknown,
  ).map((c) => c.name);
  expect(claimsOf).toEqual([
    "state workspace app.terraform.io/acme/blog-x",
    "DNS record Z1 blog.example.com A",
    "WAF web ACL CLOUDFRONT acl",
    "SNS topic us-east-1 ops",
    "CloudTrail trail eu-west-1 trail",
    "CloudTrail trail all regions trail",
    "DynamoDB table eu-west-1 t",
    "DynamoDB table eu-central-1 t",
  ]);
  expect([...unknown]).toEqual(["aws_made_up.name"]);
});
