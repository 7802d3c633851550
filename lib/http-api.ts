/**
 * The HTTP API in front of the API function: the API, its Lambda proxy integration with the function's `live` alias,
 * the routes of lib/api-routes.ts (the author ones too with an external JWT issuer; in Cognito mode the edge stack adds
 * them, lib/author-sign-in.ts), API Gateway's right to invoke the function for `/api` routes, the `$default` stage
 * with JSON access logs and the environment's throttling, and its 5xx and latency alarms.
 */
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import { opsAlarm } from "./alarms";
import { API_ROUTES } from "./api-routes";
import { keepAddresses } from "./addressing";
import { declareRoutes, jwtAuthorizer } from "./http-api-routes";
import { acceptRetentionBelowAYear } from "./log-retention";
import type { NodeFunction } from "./node-function";
import { StackContext } from "./stack-context";

export interface HttpApiProps {
  /** The function behind every route. */
  readonly fn: NodeFunction;
  /** An external issuer of the authors' tokens. @default none: Cognito's, whose author routes the edge stack adds */
  readonly jwt?: { readonly issuer: string; readonly audience: string[] };
}

/** Named `<app>-<env>-api`; addressed as the api stack declared it (`http-api`, `api-*`, `route-*`, `jwt`). */
export class HttpApi extends Construct {
  public readonly apiId: string;
  /** `https://<id>.execute-api.<region>.amazonaws.com` */
  public readonly apiEndpoint: string;
  public readonly integrationId: string;
  /** Alarms that roll back a release of the function: its answers with 5xx. */
  public readonly rollbackAlarms: readonly string[];

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    // The api stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names, env, kmsKeyArn } = StackContext.of(this);
    const { fn } = props;
    const api = new Apigatewayv2Api(this, "http-api", {
      name: names.resource("api"),
      protocolType: "HTTP",
      description: "Blog JSON API (served under /api/* by CloudFront)",
    });
    this.apiId = api.id;
    this.apiEndpoint = api.apiEndpoint;

    const integration = new Apigatewayv2Integration(this, "api-integration", {
      apiId: api.id,
      integrationType: "AWS_PROXY",
      integrationUri: fn.arn, // the live alias
      payloadFormatVersion: "2.0",
      timeoutMilliseconds: 10000,
    });
    this.integrationId = integration.id;
    const routes = { apiId: api.id, integrationId: integration.id };
    if (props.jwt) {
      // An external issuer: its clients are known up front, so the author routes are declared here too.
      const { issuer, audience } = props.jwt;
      const authorizer = jwtAuthorizer(this, { apiId: api.id, issuer, audience });
      declareRoutes(this, { ...routes, routes: API_ROUTES, authorizerId: authorizer.id });
    } else {
      declareRoutes(this, { ...routes, routes: API_ROUTES.filter((route) => route.auth === "none") });
    }
    new LambdaPermission(this, "api-invoke", {
      functionName: fn.functionName,
      qualifier: fn.alias.name,
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      sourceArn: `${api.executionArn}/*/*/api/*`,
    });

    const accessLogs = new CloudwatchLogGroup(this, "api-access-logs", {
      name: `/aws/apigateway/${names.resource("api")}`,
      retentionInDays: env.logRetentionDays,
      kmsKeyId: kmsKeyArn,
    });
    acceptRetentionBelowAYear(accessLogs, env.logRetentionDays, "logRetentionDays");
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
        throttlingRateLimit: env.api.throttleRateLimit,
        throttlingBurstLimit: env.api.throttleBurstLimit,
        detailedMetricsEnabled: true,
      },
    });

    const dimensions = { ApiId: api.id, Stage: "$default" };
    const serverErrors = opsAlarm(this, "api-5xx", {
      alarmName: names.resource("api-5xx"),
      description: "API answers 5xx",
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions,
      threshold: 5,
    });
    opsAlarm(this, "api-latency", {
      alarmName: names.resource("api-latency-p99"),
      description: "API p99 latency above 2 s for 15 minutes",
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions,
      extendedStatistic: "p99",
      threshold: 2000,
      evaluationPeriods: 3,
    });
    this.rollbackAlarms = [serverErrors.alarmName];
  }
}
