/**
 * Small cdktf stacks for the rule tests: a compliant building block per service, each with the knobs a
 * failing fixture turns. AWS itself is never called: the rule pack reads synthesized JSON only.
 */
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import {
  ApiGatewayMethodSettings,
  type ApiGatewayMethodSettingsSettings,
} from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage, type ApiGatewayStageConfig } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Route, type Apigatewayv2RouteConfig } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage, type Apigatewayv2StageConfig } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance, type DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { DynamodbTable, type DynamodbTableConfig } from "@cdktf/provider-aws/lib/dynamodb-table";
import {
  ElasticacheReplicationGroup,
  type ElasticacheReplicationGroupConfig,
} from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction, type LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import {
  LambdaEventSourceMapping,
  type LambdaEventSourceMappingConfig,
} from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { TerraformLocal, TerraformStack, Testing } from "cdktf";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Construct } from "constructs";
import { Model, readStack } from "../../checks/model";
import type { Evaluation } from "../../checks/rule";
import { ALL_RULES } from "../../checks/rules";

export type Build = (scope: TerraformStack) => void;

export const REQUIRED_TAGS = { app: "fx", env: "dev", layer: "test", "managed-by": "cdktf" };

// Testing.synthScope makes a new temporary outdir per call and never removes it; one shared outdir,
// removed after the test file, keeps /tmp clean.
let outdir: string | undefined;
afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

/** Synthesizes one fixture stack with `Testing.synth` and reads it as the rule pack does. */
export function fixtureModel(build: Build, options: { production?: boolean; facts?: boolean } = {}): Model {
  outdir ??= fs.mkdtempSync(path.join(os.tmpdir(), "checks-fixtures-"));
  const scope = new TerraformStack(Testing.app({ outdir }), "fixture");
  new AwsProvider(scope, "aws", { region: "eu-west-1" });
  if (options.facts !== false) {
    new TerraformLocal(scope, "stack_facts", {
      app: "fx",
      environment: options.production ? "prod" : "dev",
      layer: "test",
      production: options.production ?? false,
    });
  }
  build(scope);
  const json = Testing.synth(scope);
  return new Model([readStack("fixture", "stacks/fixture/cdk.tf.json", json, JSON.parse(json))]);
}

export function evaluate(ruleId: string, model: Model): Evaluation[] {
  const rule = ALL_RULES.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return model.stacks.flatMap((stack) => rule.evaluate({ model, stack }));
}

export const policy = (...statements: object[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

// ---- S3 -----------------------------------------------------------------------------------------

export interface BucketOptions {
  /** Statements of the bucket policy, `${bucket.arn}` placeholders resolved; false for no policy. */
  readonly policy?: ((arn: string) => object[]) | false;
}

export const tlsOnly = (arn: string) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [arn, `${arn}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

export function bucket(scope: Construct, id: string, o: BucketOptions = {}): S3Bucket {
  const b = new S3Bucket(scope, id, { bucketPrefix: `${id}-`, tags: REQUIRED_TAGS });
  if (o.policy !== false) {
    const statements = (o.policy ?? ((arn: string) => [tlsOnly(arn)]))(b.arn);
    new S3BucketPolicy(scope, `${id}-policy`, { bucket: b.id, policy: policy(...statements) });
  }
  return b;
}

// ---- API Gateway --------------------------------------------------------------------------------

export function httpApi(
  scope: Construct,
  stage: Partial<Apigatewayv2StageConfig> = {},
  route: Partial<Apigatewayv2RouteConfig> = {},
): Apigatewayv2Route {
  const api = new Apigatewayv2Api(scope, "api", { name: "api", protocolType: "HTTP", tags: REQUIRED_TAGS });
  const logs = new CloudwatchLogGroup(scope, "api-logs", {
    name: "/api",
    retentionInDays: 30,
    tags: REQUIRED_TAGS,
  });
  new Apigatewayv2Stage(scope, "stage", {
    apiId: api.id,
    name: "$default",
    autoDeploy: true,
    accessLogSettings: { destinationArn: logs.arn, format: '{"requestId":"$context.requestId"}' },
    defaultRouteSettings: { throttlingRateLimit: 50, throttlingBurstLimit: 100 },
    tags: REQUIRED_TAGS,
    ...stage,
  });
  return new Apigatewayv2Route(scope, "route", {
    apiId: api.id,
    routeKey: "POST /posts",
    authorizationType: "JWT",
    authorizerId: "authorizer",
    ...route,
  });
}

/** A REST API with one method, a stage with access logs and `*\/*` method settings that throttle. */
export function restApi(
  scope: Construct,
  o: {
    stage?: Partial<ApiGatewayStageConfig>;
    settings?: ApiGatewayMethodSettingsSettings | false;
    authorization?: string;
    httpMethod?: string;
  } = {},
): ApiGatewayMethod {
  const api = new ApiGatewayRestApi(scope, "rest", { name: "rest", tags: REQUIRED_TAGS });
  const method = new ApiGatewayMethod(scope, "method", {
    restApiId: api.id,
    resourceId: api.rootResourceId,
    httpMethod: o.httpMethod ?? "POST",
    authorization: o.authorization ?? "AWS_IAM",
  });
  const deployment = new ApiGatewayDeployment(scope, "deployment", {
    restApiId: api.id,
    dependsOn: [method],
  });
  const stage = new ApiGatewayStage(scope, "rest-stage", {
    restApiId: api.id,
    deploymentId: deployment.id,
    stageName: "live",
    accessLogSettings: {
      destinationArn: "arn:aws:logs:eu-west-1:1:log-group:api",
      format: "$context.requestId",
    },
    tags: REQUIRED_TAGS,
    ...o.stage,
  });
  if (o.settings !== false) {
    new ApiGatewayMethodSettings(scope, "rest-settings", {
      restApiId: api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: o.settings ?? { throttlingRateLimit: 50, throttlingBurstLimit: 100 },
    });
  }
  return method;
}

// ---- Lambda -------------------------------------------------------------------------------------

/** A compliant function outside the VPC with its role and an inline policy. */
export function lambda(
  scope: Construct,
  id: string,
  overrides: Partial<LambdaFunctionConfig> = {},
  statements: object[] = [
    {
      Effect: "Allow",
      Action: ["dynamodb:GetItem"],
      Resource: "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
    },
  ],
): LambdaFunction {
  const role = new IamRole(scope, `${id}-role`, {
    name: id,
    assumeRolePolicy: policy({
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
    }),
    tags: REQUIRED_TAGS,
  });
  new IamRolePolicy(scope, `${id}-policy`, { role: role.id, policy: policy(...statements) });
  return new LambdaFunction(scope, id, {
    functionName: id,
    role: role.arn,
    runtime: "nodejs24.x",
    handler: "index.handler",
    filename: "code.zip",
    tracingConfig: { mode: "Active" },
    tags: REQUIRED_TAGS,
    ...overrides,
  });
}

/** A DynamoDB table with a stream and a mapping to `fn`, compliant unless overridden. */
export function streamMapping(
  scope: Construct,
  fn: LambdaFunction,
  overrides: Partial<LambdaEventSourceMappingConfig> = {},
): LambdaEventSourceMapping {
  const t = table(scope, "subscribers", { streamEnabled: true, streamViewType: "NEW_IMAGE" });
  return new LambdaEventSourceMapping(scope, "mapping", {
    functionName: fn.functionName,
    eventSourceArn: t.streamArn,
    startingPosition: "LATEST",
    functionResponseTypes: ["ReportBatchItemFailures"],
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 5,
    maximumRecordAgeInSeconds: 3600,
    destinationConfig: { onFailure: { destinationArn: "arn:aws:sqs:eu-west-1:111122223333:dlq" } },
    ...overrides,
  });
}

// ---- Data stores --------------------------------------------------------------------------------

export function database(scope: Construct, overrides: Partial<DbInstanceConfig> = {}): DbInstance {
  return new DbInstance(scope, "db", {
    engine: "postgres",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    username: "blog_admin",
    manageMasterUserPassword: true,
    storageEncrypted: true,
    publiclyAccessible: false,
    multiAz: true,
    backupRetentionPeriod: 7,
    deletionProtection: true,
    iamDatabaseAuthenticationEnabled: true,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/k",
    copyTagsToSnapshot: true,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    tags: REQUIRED_TAGS,
    ...overrides,
  });
}

export function redis(
  scope: Construct,
  overrides: Partial<ElasticacheReplicationGroupConfig> = {},
): ElasticacheReplicationGroup {
  return new ElasticacheReplicationGroup(scope, "cache", {
    replicationGroupId: "cache",
    description: "cache",
    engine: "redis",
    nodeType: "cache.t4g.micro",
    numCacheClusters: 2,
    atRestEncryptionEnabled: "true",
    transitEncryptionEnabled: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/k",
    userGroupIds: ["users"],
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    snapshotRetentionLimit: 1,
    tags: REQUIRED_TAGS,
    ...overrides,
  });
}

export function table(
  scope: Construct,
  id: string,
  overrides: Partial<DynamodbTableConfig> = {},
): DynamodbTable {
  return new DynamodbTable(scope, id, {
    name: id,
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    attribute: [{ name: "pk", type: "S" }],
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/k" },
    deletionProtectionEnabled: true,
    tags: REQUIRED_TAGS,
    ...overrides,
  });
}
