/**
 * An environment's operations view: the dashboard of every layer (lib/dashboard.ts), CloudFront's additional metrics
 * in production, and CloudFront's alarm with its us-east-1 topic (lib/cloudfront-alarms.ts).
 */
import { CloudfrontMonitoringSubscription } from "@cdktf/provider-aws/lib/cloudfront-monitoring-subscription";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import { keepAddresses } from "./addressing";
import { cloudFrontAlarms, type CloudFrontAlarmsProps } from "./cloudfront-alarms";
import { dashboardBody } from "./dashboard";
import type { MonitoredResources } from "./monitored";

/** What CloudFront's alarm needs (its us-east-1 `provider` too), and what the dashboard draws. */
export interface OperationsProps extends CloudFrontAlarmsProps {
  readonly region: string;
  readonly apiId: string;
  /** What the other layers run, by literal name (lib/monitored.ts). */
  readonly monitored: MonitoredResources;
  /** The database's connections alarm threshold, drawn on its widget. */
  readonly databaseConnectionsAlarm: number;
}

export class Operations extends Construct {
  public readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    // The edge stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names, monitored, distributionId } = props;
    // CacheHitRate and the other additional metrics cost per distribution: production only.
    if (props.production) {
      new CloudfrontMonitoringSubscription(this, "cdn-additional-metrics", {
        provider: props.provider,
        distributionId,
        monitoringSubscription: {
          realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: "Enabled" },
        },
      });
    }
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: names.global("operations", 255),
      dashboardBody: dashboardBody({
        title: `${names.app}-${names.env}`,
        region: props.region,
        api: { apiId: props.apiId, stage: "$default" },
        functions: monitored.functions,
        streamConsumers: monitored.streamConsumers,
        deadLetterQueues: monitored.deadLetterQueues,
        tables: monitored.tables,
        database: {
          identifier: monitored.databaseIdentifier,
          connectionsAlarm: props.databaseConnectionsAlarm,
        },
        cacheNodes: monitored.cacheNodes,
        distributionId,
        cacheHitRate: props.production,
      }),
    });
    cloudFrontAlarms(this, props);
  }
}
