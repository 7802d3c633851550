/**
 * The body of an environment's CloudWatch dashboard, built from typed inputs: the same inputs give the same JSON
 * (widgets in a fixed order and grid, lists as given), so an unchanged environment never shows it in a plan.
 */

export interface DashboardInput {
  /** Heading of the dashboard, e.g. `myblog-prod`. */
  readonly title: string;
  /** Region of the stacks; CloudFront's metrics are read in us-east-1 whatever this is. */
  readonly region: string;
  readonly api: { readonly apiId: string; readonly stage: string };
  /** Every function of the environment, by name. */
  readonly functions: readonly string[];
  /** Functions fed by a DynamoDB or Kinesis stream (their IteratorAge). */
  readonly streamConsumers: readonly string[];
  readonly deadLetterQueues: readonly string[];
  readonly tables: readonly string[];
  readonly database: { readonly identifier: string; readonly connectionsAlarm: number };
  /** Node ids of the replication group (`<group>-001`, …): ElastiCache reports per node. */
  readonly cacheNodes: readonly string[];
  readonly distributionId: string;
  /** CacheHitRate exists only with CloudFront's additional metrics on. */
  readonly cacheHitRate: boolean;
}

type Metric = (string | Record<string, unknown>)[];

interface Widget {
  readonly type: "metric" | "text";
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

const WIDTH = 24;

function metricWidget(
  title: string,
  metrics: Metric[],
  options: { region: string; stat?: string; annotation?: { label: string; value: number } },
): Widget {
  return {
    type: "metric",
    width: 8,
    height: 6,
    properties: {
      title,
      view: "timeSeries",
      region: options.region,
      stat: options.stat ?? "Sum",
      period: 300,
      metrics,
      ...(options.annotation ? { annotations: { horizontal: [options.annotation] } } : {}),
    },
  };
}

const heading = (markdown: string): Widget => ({
  type: "text",
  width: WIDTH,
  height: 1,
  properties: { markdown },
});

/** One line per name: `[namespace, metric, dimension, name]`. */
const perName = (namespace: string, metric: string, dimension: string, names: readonly string[]): Metric[] =>
  names.map((name) => [namespace, metric, dimension, name]);

export function dashboardBody(input: DashboardInput): string {
  const { region } = input;
  const api = ["ApiId", input.api.apiId, "Stage", input.api.stage];
  const cdn = ["DistributionId", input.distributionId, "Region", "Global"];
  const fns = (metric: string) => perName("AWS/Lambda", metric, "FunctionName", input.functions);
  const rows: Widget[][] = [
    [heading(`# ${input.title}: API`)],
    [
      metricWidget("API requests", [["AWS/ApiGateway", "Count", ...api]], { region }),
      metricWidget(
        "API latency p50 / p99 (ms)",
        [
          ["AWS/ApiGateway", "Latency", ...api, { stat: "p50", label: "p50" }],
          ["AWS/ApiGateway", "Latency", ...api, { stat: "p99", label: "p99" }],
        ],
        { region },
      ),
      metricWidget(
        "API 4xx / 5xx",
        [
          ["AWS/ApiGateway", "4xx", ...api],
          ["AWS/ApiGateway", "5xx", ...api],
        ],
        { region },
      ),
    ],
    [heading("# Functions")],
    [
      metricWidget("Invocations", fns("Invocations"), { region }),
      metricWidget("Errors", fns("Errors"), { region }),
      metricWidget("Throttles", fns("Throttles"), { region }),
    ],
    [
      metricWidget("Duration p99 (ms)", fns("Duration"), { region, stat: "p99" }),
      metricWidget("Concurrent executions", fns("ConcurrentExecutions"), { region, stat: "Maximum" }),
      metricWidget(
        "Stream iterator age (ms)",
        perName("AWS/Lambda", "IteratorAge", "FunctionName", input.streamConsumers),
        { region, stat: "Maximum" },
      ),
    ],
    [
      metricWidget(
        "Dead-letter queue depth",
        perName("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", input.deadLetterQueues),
        { region, stat: "Maximum" },
      ),
      metricWidget(
        "DynamoDB throttled requests",
        [
          ...perName("AWS/DynamoDB", "ReadThrottleEvents", "TableName", input.tables),
          ...perName("AWS/DynamoDB", "WriteThrottleEvents", "TableName", input.tables),
        ],
        { region },
      ),
      metricWidget(
        "SES sends / bounces / complaints",
        [
          ["AWS/SES", "Send"],
          ["AWS/SES", "Bounce"],
          ["AWS/SES", "Complaint"],
        ],
        { region },
      ),
    ],
    [heading("# Database and cache")],
    [
      metricWidget(
        "PostgreSQL CPU (%)",
        [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", input.database.identifier]],
        { region, stat: "Average" },
      ),
      metricWidget(
        "PostgreSQL connections",
        [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", input.database.identifier]],
        {
          region,
          stat: "Maximum",
          annotation: { label: "alarm", value: input.database.connectionsAlarm },
        },
      ),
      metricWidget(
        "PostgreSQL free storage (bytes)",
        [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", input.database.identifier]],
        { region, stat: "Minimum" },
      ),
    ],
    [
      metricWidget(
        "Cache memory used (%)",
        perName("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", input.cacheNodes),
        { region, stat: "Maximum" },
      ),
      metricWidget(
        "Cache evictions",
        perName("AWS/ElastiCache", "Evictions", "CacheClusterId", input.cacheNodes),
        { region },
      ),
      metricWidget(
        "Cache engine CPU (%)",
        perName("AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", input.cacheNodes),
        { region, stat: "Average" },
      ),
    ],
    [heading("# CloudFront (us-east-1)")],
    [
      metricWidget("CloudFront requests", [["AWS/CloudFront", "Requests", ...cdn]], { region: "us-east-1" }),
      metricWidget(
        "CloudFront 4xx / 5xx rate (%)",
        [
          ["AWS/CloudFront", "4xxErrorRate", ...cdn],
          ["AWS/CloudFront", "5xxErrorRate", ...cdn],
        ],
        { region: "us-east-1", stat: "Average" },
      ),
      input.cacheHitRate
        ? metricWidget("CloudFront cache hit rate (%)", [["AWS/CloudFront", "CacheHitRate", ...cdn]], {
            region: "us-east-1",
            stat: "Average",
          })
        : {
            type: "text",
            width: 8,
            height: 6,
            properties: {
              markdown:
                "Cache hit rate needs CloudFront's additional metrics, which this environment leaves off (production turns them on).",
            },
          },
    ],
  ];
  // Rows stack top to bottom; widgets in a row left to right.
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const widget of row) {
      widgets.push({
        type: widget.type,
        x,
        y,
        width: widget.width,
        height: widget.height,
        properties: widget.properties,
      });
      x += widget.width;
    }
    y += Math.max(...row.map((w) => w.height));
  }
  return JSON.stringify({ widgets });
}
