/**
 * What counts as public (shared/public-access.ts), judged three ways that must agree: the module itself, the
 * plan summary's "becomes public" callout, and the rule pack (BLOG_POLICY_NOT_PUBLIC on a queue and a bucket
 * policy, BLOG_NO_OPEN_INGRESS on security groups). The table holds the cases on which the summary and the
 * pack used to disagree, with what each said before (the pack's rules then had Checkov's ids).
 */
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { analyzePlan } from "../../pipeline/summary/analyze";
import { parsePolicyJson, type Statement } from "../../shared/policy-document";
import { isPublicStatement, openIngress } from "../../shared/public-access";
import {
  bucket,
  evaluate,
  fixtureModel,
  policy,
  REQUIRED_TAGS,
  tlsOnly,
  type Build,
} from "../checks/fixtures";
import { create, planJson } from "../pipeline/plan-json";

const anyone = (Condition?: object, extra: object = {}) => ({
  Effect: "Allow",
  Principal: "*",
  Action: "sqs:SendMessage",
  Resource: "*",
  ...(Condition ? { Condition } : {}),
  ...extra,
});

interface Case {
  readonly statement: Record<string, unknown>;
  readonly public: boolean;
  /**
   * Public or not, before: for the summary (any Condition scoped), the pack's CKV_AWS_169 (a list of scoping
   * keys under any operator) and its CKV_AWS_70 (conditions ignored: every Principal "*" failed).
   */
  readonly before: { readonly summary: boolean; readonly CKV_AWS_169: boolean; readonly CKV_AWS_70: boolean };
}

const CASES: Record<string, Case> = {
  "a condition that pins nothing (aws:SecureTransport)": {
    statement: anyone({ Bool: { "aws:SecureTransport": "true" } }),
    public: true,
    before: { summary: false, CKV_AWS_169: true, CKV_AWS_70: true },
  },
  "a condition on the user agent": {
    statement: anyone({ StringLike: { "aws:UserAgent": "curl/*" } }),
    public: true,
    before: { summary: false, CKV_AWS_169: true, CKV_AWS_70: true },
  },
  "a negated scoping key (StringNotEquals aws:SourceAccount: everyone but that account)": {
    statement: anyone({ StringNotEquals: { "aws:SourceAccount": "111122223333" } }),
    public: true,
    before: { summary: false, CKV_AWS_169: false, CKV_AWS_70: true },
  },
  "…IfExists (true for a caller without the key)": {
    statement: anyone({ ArnEqualsIfExists: { "aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t" } }),
    public: true,
    before: { summary: false, CKV_AWS_169: false, CKV_AWS_70: true },
  },
  "a wildcard source ARN": {
    statement: anyone({ ArnLike: { "aws:SourceArn": "arn:aws:sns:*:*:*" } }),
    public: true,
    before: { summary: false, CKV_AWS_169: false, CKV_AWS_70: true },
  },
  "aws:SourceIp of the whole internet": {
    statement: anyone({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }),
    public: true,
    before: { summary: false, CKV_AWS_169: true, CKV_AWS_70: true },
  },
  "aws:SourceIp of one network": {
    statement: anyone({ IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/48"] } }),
    public: false,
    before: { summary: false, CKV_AWS_169: true, CKV_AWS_70: true },
  },
  "NotPrincipal (everyone but the named principal)": {
    statement: {
      Effect: "Allow",
      NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "sqs:SendMessage",
      Resource: "*",
    },
    public: true,
    before: { summary: false, CKV_AWS_169: true, CKV_AWS_70: true },
  },
  'a wildcard service principal ({ "Service": "*" })': {
    statement: { ...anyone(), Principal: { Service: "*" } },
    public: true,
    before: { summary: false, CKV_AWS_169: true, CKV_AWS_70: true },
  },
  // Agreed before, and still do.
  "pinned to the account": {
    statement: anyone({ StringEquals: { "aws:SourceAccount": "111122223333" } }),
    public: false,
    before: { summary: false, CKV_AWS_169: false, CKV_AWS_70: true },
  },
  "pinned to the organization, alongside a TLS condition": {
    statement: anyone({
      StringEquals: { "aws:PrincipalOrgID": "o-abc123" },
      Bool: { "aws:SecureTransport": "true" },
    }),
    public: false,
    before: { summary: false, CKV_AWS_169: false, CKV_AWS_70: true },
  },
  "no condition": {
    statement: anyone(),
    public: true,
    before: { summary: true, CKV_AWS_169: true, CKV_AWS_70: true },
  },
};

const statementOf = (statement: object): Statement => {
  const parsed = parsePolicyJson(policy(statement));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements[0];
};

const summaryCallouts = (type: string, after: Record<string, unknown>) =>
  analyzePlan(planJson([create(`${type}.x`, after)]), { stack: "s" })
    .callouts.filter((c) => c.kind === "public")
    .map((c) => c.message.replace(/^becomes public: /, ""));

const packFailures = (ruleId: string, build: Build) =>
  evaluate(ruleId, fixtureModel(build))
    .filter((e) => !e.passed)
    .map((e) => e.message);

describe.each(Object.entries(CASES))("%s", (_, c) => {
  test(`is ${c.public ? "" : "not "}public, for the module, the summary and the rule pack alike`, () => {
    expect(isPublicStatement(statementOf(c.statement))).toBe(c.public);
    expect(summaryCallouts("aws_sqs_queue_policy", { policy: policy(c.statement) }).length > 0).toBe(
      c.public,
    );
    const queuePolicy = packFailures("BLOG_POLICY_NOT_PUBLIC", (s) => {
      const q = new SqsQueue(s, "q", { name: "q", sqsManagedSseEnabled: true, tags: REQUIRED_TAGS });
      new SqsQueuePolicy(s, "qp", { queueUrl: q.url, policy: policy({ ...c.statement, Resource: q.arn }) });
    });
    expect(queuePolicy.length > 0).toBe(c.public);
    const bucketPolicy = packFailures("BLOG_POLICY_NOT_PUBLIC", (s) =>
      bucket(s, "b", { policy: (arn) => [tlsOnly(arn), { ...c.statement, Resource: `${arn}/*` }] }),
    );
    expect(bucketPolicy.length > 0).toBe(c.public);
  });
});

describe("scoping conditions in detail", () => {
  test.each([
    [
      "a Terraform reference is a fixed value",
      { StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.c.account_id}" } },
      false,
    ],
    [
      "an IAM policy variable is not",
      { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::1:role/${aws:username}" } },
      true,
    ],
    [
      "ForAnyValue: needs the key, so it scopes",
      { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": "o-1" } },
      false,
    ],
    [
      "ForAllValues: holds without the key, so it does not",
      { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-1" } },
      true,
    ],
    ["an IPv4 range of /8 scopes", { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, false],
    ["an IPv4 range wider than /8 does not", { IpAddress: { "aws:SourceIp": "0.0.0.0/1" } }, true],
    ["an IPv6 range wider than /32 does not", { IpAddress: { "aws:SourceIp": "::/0" } }, true],
    ["NotIpAddress does not", { NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } }, true],
    ["Null does not", { Null: { "aws:SourceVpce": "false" } }, true],
    ["keys are case-insensitive", { StringEquals: { "AWS:SOURCEVPCE": "vpce-1" } }, false],
  ])("%s", (_, condition, expected) => {
    expect(isPublicStatement(statementOf(anyone(condition)))).toBe(expected);
  });

  test("a Deny is never public", () => {
    expect(isPublicStatement(statementOf({ ...anyone(), Effect: "Deny" }))).toBe(false);
  });

  test("the summary names a condition that does not limit the callers", () => {
    expect(
      summaryCallouts("aws_s3_bucket_policy", {
        policy: policy(CASES["a condition that pins nothing (aws:SecureTransport)"].statement),
      }),
    ).toEqual([
      'policy allows anyone (Principal "*") sqs:SendMessage with no condition that limits who calls',
    ]);
    expect(
      summaryCallouts("aws_s3_bucket_policy", {
        policy: policy(CASES["NotPrincipal (everyone but the named principal)"].statement),
      }),
    ).toEqual(["policy allows everyone outside its NotPrincipal sqs:SendMessage without a condition"]);
  });
});

describe("open ingress", () => {
  // Plan JSON (summary) and synthesized JSON (pack) carry the same attributes; both now describe a finding alike
  // (the pack said "ingress 22-22 from 0.0.0.0/0", the summary "ingress tcp port 22 from 0.0.0.0/0").
  const cases: Record<
    string,
    { type: string; attributes: Record<string, unknown>; build: Build; expected: string[] }
  > = {
    "inline ingress from both internets": {
      type: "aws_security_group",
      attributes: {
        ingress: [
          {
            protocol: "tcp",
            from_port: 22,
            to_port: 22,
            cidr_blocks: ["0.0.0.0/0"],
            ipv6_cidr_blocks: ["::/0"],
          },
        ],
      },
      build: (s) =>
        new SecurityGroup(s, "x", {
          name: "x",
          ingress: [
            {
              protocol: "tcp",
              fromPort: 22,
              toPort: 22,
              cidrBlocks: ["0.0.0.0/0"],
              ipv6CidrBlocks: ["::/0"],
            },
          ],
          tags: REQUIRED_TAGS,
        }),
      expected: ["ingress tcp port 22 from 0.0.0.0/0", "ingress tcp port 22 from ::/0"],
    },
    "a rule resource for every protocol": {
      type: "aws_vpc_security_group_ingress_rule",
      attributes: { cidr_ipv6: "::/0", ip_protocol: "-1" },
      build: (s) =>
        new VpcSecurityGroupIngressRule(s, "x", {
          securityGroupId: "sg-1",
          cidrIpv6: "::/0",
          ipProtocol: "-1",
          tags: REQUIRED_TAGS,
        }),
      expected: ["ingress all traffic from ::/0"],
    },
    "a classic rule over a port range": {
      type: "aws_security_group_rule",
      attributes: {
        type: "ingress",
        protocol: "tcp",
        from_port: 8000,
        to_port: 8080,
        cidr_blocks: ["0.0.0.0/0"],
      },
      build: (s) =>
        new SecurityGroupRule(s, "x", {
          securityGroupId: "sg-1",
          type: "ingress",
          protocol: "tcp",
          fromPort: 8000,
          toPort: 8080,
          cidrBlocks: ["0.0.0.0/0"],
        }),
      expected: ["ingress tcp ports 8000-8080 from 0.0.0.0/0"],
    },
    "egress to the internet is not exposure": {
      type: "aws_security_group_rule",
      attributes: {
        type: "egress",
        protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_blocks: ["0.0.0.0/0"],
      },
      build: (s) =>
        new SecurityGroupRule(s, "x", {
          securityGroupId: "sg-1",
          type: "egress",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
        }),
      expected: [],
    },
  };

  test.each(Object.entries(cases))(
    "%s: the module, the summary and BLOG_NO_OPEN_INGRESS say the same",
    (_, c) => {
      expect(openIngress(c.type, c.attributes)).toEqual(c.expected);
      expect(summaryCallouts(c.type, c.attributes)).toEqual(c.expected);
      const failures = packFailures("BLOG_NO_OPEN_INGRESS", c.build);
      expect(failures).toEqual(c.expected.length > 0 ? [c.expected.join("; ")] : []);
    },
  );
});
