/**
 * API layer: an HTTP API with explicit routes (public reads; JWT-authorized author routes, declared by the edge
 * stack in Cognito mode), the authors' user pool, the API function inside the VPC, and the schema-migration
 * function that Terraform invokes on every deploy whose migrations changed, and (`release.preTrafficHook`) the hook
 * that smoke-tests each new API version before CodeDeploy moves traffic to it.
 */
import { LambdaProvisionedConcurrencyConfig } from "@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { FUNCTIONS } from "../shared/contracts/functions";
import { alarmAndRelease } from "../lib/alarms";
import { authorUserPool, type AuthorPool } from "../lib/author-sign-in";
import { dbUserArn } from "../lib/database-proxy";
import { bindBucket, bindTables } from "../lib/function-grants";
import { HttpApi } from "../lib/http-api";
import { NodeFunction } from "../lib/node-function";
import { OriginVerification } from "../lib/origin-verification";
import { releasedBy } from "../lib/release";
import { preTrafficHook } from "../lib/release-hook";
import { SchemaMigration } from "../lib/schema-migration";
import type { NetworkAccess } from "../lib/security-groups";
import { ACCEPT_UNVERIFIED_UNTIL_KEY } from "../shared/origin-verification";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import { API_DB_USER, DATABASE_PROXY_GROUP } from "./data-stack";
import type { ApiOutputs, DataOutputs, NetworkOutputs } from "./outputs";

export interface ApiStackProps extends BlogStackProps {
  readonly network: Pick<
    NetworkOutputs,
    "privateSubnetIds" | "kmsKeyArn" | "opsTopicArn" | "securityGroupId"
  >;
  readonly data: Pick<DataOutputs, "database" | "cache" | "tables" | "uploadsBucket">;
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
    new SchemaMigration(this, "migrate", {
      vpc: { subnetIds: network.privateSubnetIds, securityGroupIds: [network.securityGroupId("migrate-fn")] },
      database: data.database,
    });

    const { auth } = this.config;
    const api = new HttpApi(this, "http-api", { fn: apiFn, jwt: auth.mode === "jwt" ? auth : undefined });
    this.apiId = api.apiId;
    this.apiEndpoint = api.apiEndpoint;
    this.integrationId = api.integrationId;
    if (auth.mode !== "jwt") {
      this.authors = authorUserPool(this);
      this.output("user_pool_id", this.authors.userPoolId, "Cognito user pool of the authors");
    }

    // The API's errors, throttles and 5xx roll a release back.
    const group = alarmAndRelease(apiFn, api.rollbackAlarms);
    if (group && this.env.release.preTrafficHook)
      this.context.releases.addPreTrafficHook(
        apiFn,
        preTrafficHook(this, "api-release-hook", { target: apiFn, group }),
      );
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
        ...FUNCTIONS.api.environment,
        // Its tables, with the actions the contract grants (shared/contracts/functions.ts).
        ...bindTables("api", data.tables),
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
}
