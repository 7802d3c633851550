/**
 * API layer: an HTTP API with explicit routes (public reads; JWT-authorized author routes, declared by the edge
 * stack in Cognito mode), the authors' user pool, the API function inside the VPC, and the schema-migration
 * function that Terraform invokes on every deploy whose migrations changed, and (`release.preTrafficHook`) the hook
 * that smoke-tests each new API version before CodeDeploy moves traffic to it.
 */
import { suppress } from "../checks/suppress";
import { LambdaProvisionedConcurrencyConfig } from "@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config";
import { releasedBy } from "../lib/release";
import { preTrafficHook } from "../lib/release-hook";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { MAX_UPLOAD_BYTES } from "../handlers/shared/limits";
import { API_ROUTES } from "../lib/api-routes";
import { functionAlarms, opsAlarm } from "../lib/alarms";
import type { AuthorPool } from "../lib/author-sign-in";
import { dbUserArn } from "../lib/database-proxy";
import { declareRoutes, jwtAuthorizer } from "../lib/http-api-routes";
import { bindBucket, bindTable, READ_KEY } from "../lib/function-grants";
import { NodeFunction } from "../lib/node-function";
import { acceptRetentionBelowAYear } from "../lib/log-retention";
import { OriginVerification } from "../lib/origin-verification";
import { ACCEPT_UNVERIFIED_UNTIL_KEY } from "../shared/origin-verification";
import type { NetworkAccess } from "../lib/security-groups";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import { API_DB_USER, DATABASE_PROXY_GROUP } from "./data-stack";
import type { ApiOutputs, DataOutputs, NetworkOutputs } from "./outputs";

export interface ApiStackProps extends BlogStackProps {
  readonly network: Pick<
    NetworkOutputs,
    "privateSubnetIds" | "kmsKeyArn" | "opsTopicArn" | "securityGroupId"
  >;
  readonly data: Pick<
    DataOutputs,
    "database" | "cache" | "subscribersTable" | "countersTable" | "photosTable" | "uploadsBucket"
  >;
}
type Network = ApiStackProps["network"];
type Data = ApiStackProps["data"];

/**
 * This layer's functions in the VPC and what each may reach (the network stack creates the groups and rules). With
 * `database.proxy` the API reaches PostgreSQL only through the proxy; the migration function, signing in as the
 * master user with its password, always connects to the instance.
 */
export function apiNetworkAccess(database: Pick<EnvironmentConfig["database"], "proxy">): NetworkAccess {
  return {
    groups: {
      "api-fn": { description: "API function: reaches PostgreSQL, Redis and AWS APIs", callsAwsApis: true },
      "migrate-fn": {
        description: "Schema migration function: reaches PostgreSQL and AWS APIs",
        callsAwsApis: true,
      },
    },
    flows: [
      database.proxy
        ? { from: "api-fn", to: DATABASE_PROXY_GROUP, port: 5432, description: "API function to RDS Proxy" }
        : { from: "api-fn", to: "database", port: 5432, description: "API function to PostgreSQL" },
      { from: "migrate-fn", to: "database", port: 5432, description: "Migration function to PostgreSQL" },
      { from: "api-fn", to: "cache", port: 6379, description: "API function to Redis" },
    ],
  };
}

export class ApiStack extends BlogStack implements ApiOutputs {
  public readonly apiEndpoint: string;
  public readonly apiId: string;
  public readonly integrationId: string;
  public readonly authors?: AuthorPool;
  public readonly originVerifyValue: string;

  constructor(scope: Construct, props: ApiStackProps) {
    super(scope, "api", props);
    const { network, data } = props;

    // Generated here, upstream of the edge: this stack's apply (and release) makes the API accept a new value before
    // the edge stack's makes CloudFront send it.
    const originVerification = new OriginVerification(this, "origin-verify", {
      generation: this.env.api.originVerifyGeneration,
    });
    this.originVerifyValue = originVerification.activeValue;
    const apiFn = this.createApiFunction(network, data, originVerification.acceptedValues);
    this.createMigration(network, data);

    const api = new Apigatewayv2Api(this, "http-api", {
      name: this.names.resource("api"),
      protocolType: "HTTP",
      description: "Blog JSON API (served under /api/* by CloudFront)",
    });
    this.apiId = api.id;
    this.apiEndpoint = api.apiEndpoint;

    const integration = new Apigatewayv2Integration(this, "api-integration", {
      apiId: api.id,
      integrationType: "AWS_PROXY",
      integrationUri: apiFn.arn, // the live alias
      payloadFormatVersion: "2.0",
      timeoutMilliseconds: 10000,
    });
    this.integrationId = integration.id;
    if (this.config.auth.mode === "jwt") {
      // An external issuer: its clients are known up front, so the author routes are declared here too.
      const { issuer, audience } = this.config.auth;
      const authorizer = jwtAuthorizer(this, { apiId: api.id, issuer, audience });
      declareRoutes(this, {
        apiId: api.id,
        integrationId: integration.id,
        routes: API_ROUTES,
        authorizerId: authorizer.id,
      });
    } else {
      this.authors = this.createUserPool();
      declareRoutes(this, {
        apiId: api.id,
        integrationId: integration.id,
        routes: API_ROUTES.filter((route) => route.auth === "none"),
      });
    }
    new LambdaPermission(this, "api-invoke", {
      functionName: apiFn.functionName,
      qualifier: apiFn.alias.name,
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      sourceArn: `${api.executionArn}/*/*/api/*`,
    });

    const accessLogs = new CloudwatchLogGroup(this, "api-access-logs", {
      name: `/aws/apigateway/${this.names.resource("api")}`,
      retentionInDays: this.env.logRetentionDays,
      kmsKeyId: network.kmsKeyArn,
    });
    acceptRetentionBelowAYear(accessLogs, this.env.logRetentionDays, "logRetentionDays");
    new Apigatewayv2Stage(this, "api-stage", {
      apiId: api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: JSON.stringify({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          requestTime: "$context.requestTime",
          routeKey: "$context.routeKey",
          status: "$context.status",
          responseLength: "$context.responseLength",
          latency: "$context.responseLatency",
          integrationError: "$context.integrationErrorMessage",
          user: "$context.authorizer.claims.sub",
        }),
      },
      defaultRouteSettings: {
        throttlingRateLimit: this.env.api.throttleRateLimit,
        throttlingBurstLimit: this.env.api.throttleBurstLimit,
        detailedMetricsEnabled: true,
      },
    });

    const rollbackAlarms = this.createAlarms(api.id, apiFn, network.opsTopicArn);
    if (apiFn.release === "codedeploy") {
      const { releases } = this.context;
      const group = releases.add(apiFn, rollbackAlarms);
      if (this.env.release.preTrafficHook)
        releases.addPreTrafficHook(apiFn, preTrafficHook(this, "api-release-hook", { target: apiFn, group }));
    }
    if (this.env.api.provisionedConcurrency > 0) {
      // On the alias, so CodeDeploy readies the new version's environments before it shifts traffic.
      new LambdaProvisionedConcurrencyConfig(this, "api-provisioned", {
        functionName: apiFn.functionName,
        qualifier: apiFn.alias.name,
        provisionedConcurrentExecutions: this.env.api.provisionedConcurrency,
      });
    }
    this.output("api_url", api.apiEndpoint, "API Gateway endpoint (the site serves it under /api/*)");
  }

  private createApiFunction(network: Network, data: Data, originValues: string): NodeFunction<"api"> {
    // Through the proxy when the data layer runs one: its endpoint, and IAM tokens for its `prx-…` id.
    const postgres = data.database.proxy ?? {
      endpoint: data.database.address,
      resourceId: data.database.resourceId,
    };
    const fn = new NodeFunction(this, "api", {
      handler: "api",
      description: "Blog JSON API behind API Gateway",
      memorySize: 512,
      timeout: 10,
      release: releasedBy(this.env.release, this.env.release.preTrafficHook),
      vpc: { subnetIds: network.privateSubnetIds, securityGroupIds: [network.securityGroupId("api-fn")] },
      environment: {
        DB_HOST: postgres.endpoint,
        DB_PORT: data.database.port,
        DB_NAME: data.database.name,
        DB_USER: API_DB_USER,
        DB_PROXY: String(data.database.proxy !== undefined),
        DB_AUTH: "iam",
        DB_SSL: "require",
        // Lambda's bundle of CA certificates includes the RDS roots: TLS to PostgreSQL is verified.
        NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
        CACHE_HOST: data.cache.address,
        CACHE_PORT: data.cache.port,
        CACHE_TLS: "true",
        CACHE_USER: data.cache.apiUserId,
        CACHE_REPLICATION_GROUP_ID: data.cache.replicationGroupId,
        MEDIA_BASE_URL: "/media",
        UPLOAD_MAX_BYTES: String(MAX_UPLOAD_BYTES),
        // jimp decodes JPEG and PNG in the bundle; WebP would need a separate WebAssembly file.
        UPLOAD_CONTENT_TYPES: "image/jpeg,image/png",
        SUBSCRIBERS_TABLE: bindTable(data.subscribersTable, ["PutItem"]),
        COUNTERS_TABLE: bindTable(data.countersTable, [
          "GetItem",
          "BatchGetItem",
          "PutItem",
          "UpdateItem",
          "DeleteItem",
        ]),
        PHOTOS_TABLE: bindTable(data.photosTable, ["BatchGetItem", "PutItem"]),
        // Presigned POSTs are signed with this role: it may only put raw uploads.
        UPLOADS_BUCKET: bindBucket(data.uploadsBucket, "uploads/", ["PutObject"]),
        // Both slots: requests without one of them (not through the distribution) are refused before any work.
        ORIGIN_VERIFY_SECRETS: originValues,
        // `accept-unverified` only while a running environment's CloudFront does not send the value yet.
        ORIGIN_VERIFY_MODE: this.env.api.originVerification,
      },
    });
    const until = this.env.api.acceptUnverifiedUntil;
    if (until !== undefined) fn.function.addOverride(`tags.${ACCEPT_UNVERIFIED_UNTIL_KEY}`, until);
    fn.addToRolePolicy({
      Sid: "ConnectToPostgresWithIam",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: dbUserArn(this.region, this.accountId, postgres.resourceId, API_DB_USER),
    });
    fn.addToRolePolicy({
      Sid: "ConnectToCacheWithIam",
      Effect: "Allow",
      Action: "elasticache:Connect",
      Resource: [data.cache.replicationGroupArn, data.cache.apiUserArn],
    });
    return fn;
  }

  /**
   * Migrations ship inside the migrate bundle, so the bundle hash changes exactly when they do; Terraform
   * then invokes the function again during the deploy.
   */
  private createMigration(network: Network, data: Data): void {
    const fn = new NodeFunction(this, "migrate", {
      handler: "migrate",
      description: "Applies the versioned SQL migrations (invoked by Terraform on deploy)",
      memorySize: 256,
      timeout: 300,
      // Invoked once per deploy by Terraform itself, right after the alias moves.
      release: "terraform",
      vpc: { subnetIds: network.privateSubnetIds, securityGroupIds: [network.securityGroupId("migrate-fn")] },
      environment: {
        DB_HOST: data.database.address,
        DB_PORT: data.database.port,
        DB_NAME: data.database.name,
        DB_SECRET_ARN: data.database.masterSecretArn,
        DB_SSL: "require",
        NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
        DB_API_USER: API_DB_USER,
      },
    });
    fn.addToRolePolicy(
      {
        Sid: "ReadMasterSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: data.database.masterSecretArn,
      },
      // The secret is encrypted with the stack's key.
      READ_KEY,
    );
    if (this.env.production)
      suppress(
        fn.function,
        "BLOG_LAMBDA_RELEASED",
        "Invoked once per deploy by Terraform itself and serves no traffic: there is nothing to shift or roll back",
      );
    new LambdaInvocation(this, "run-migrations", {
      functionName: fn.functionName,
      qualifier: fn.alias.name,
      input: JSON.stringify({ action: "migrate" }),
      triggers: { bundle: fn.bundle.sourceCodeHash },
      dependsOn: [fn.alias],
    });
  }

  /** The authors' user pool and its hosted UI domain (the app client is the edge stack's). */
  private createUserPool(): AuthorPool {
    const pool = new CognitoUserPool(this, "authors", {
      name: this.names.resource("authors"),
      // Authors are invited, not self-registered.
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      mfaConfiguration: "OPTIONAL",
      softwareTokenMfaConfiguration: { enabled: true },
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: false,
        temporaryPasswordValidityDays: 3,
      },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      deletionProtection: this.env.production ? "ACTIVE" : "INACTIVE",
    });
    // Prefixes are global per region across all accounts: a hash of the account id makes this one unique and
    // keeps it stable (hex has no "aws", which Cognito refuses in a prefix).
    const domain = new CognitoUserPoolDomain(this, "authors-domain", {
      domain: `${this.names.resource("authors", 52)}-${Fn.substr(Fn.sha256(this.accountId), 0, 10)}`,
      userPoolId: pool.id,
    });
    this.output("user_pool_id", pool.id, "Cognito user pool of the authors");
    return {
      userPoolId: pool.id,
      issuer: `https://cognito-idp.${this.region}.amazonaws.com/${pool.id}`,
      hostedUiUrl: `https://${domain.domain}.auth.${this.region}.amazoncognito.com`,
    };
  }

  /** The API's alarms; its errors, throttles and 5xx roll a release back. */
  private createAlarms(apiId: string, apiFn: NodeFunction, opsTopicArn: string): string[] {
    const serverErrors = opsAlarm(this, "api-5xx", {
      alarmName: this.names.resource("api-5xx"),
      description: "API answers 5xx",
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: apiId, Stage: "$default" },
      threshold: 5,
      opsTopicArn,
    });
    opsAlarm(this, "api-latency", {
      alarmName: this.names.resource("api-latency-p99"),
      description: "API p99 latency above 2 s for 15 minutes",
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions: { ApiId: apiId, Stage: "$default" },
      extendedStatistic: "p99",
      threshold: 2000,
      evaluationPeriods: 3,
      opsTopicArn,
    });
    return [...functionAlarms(this, "api", apiFn.functionName, opsTopicArn), serverErrors.alarmName];
  }
}
