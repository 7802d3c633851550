/**
 * Day-2 operations: the environment's dashboard (edge stack) covers every function, queue, table and stream the
 * layers define, and the alarms added for issue 13 page the ops topic (or its us-east-1 twin) at their thresholds.
 */
import { TABLE_NAMES, tablesOf } from "../../shared/contracts/tables";
import { resources, synthApp, type TerraformJson } from "./synth";

type Alarm = Record<string, any>;
const alarms = (stack: TerraformJson): Record<string, Alarm> =>
  resources(stack, "aws_cloudwatch_metric_alarm");

describe("operations", () => {
  const app = synthApp();
  const stack = (env: string, layer: string) => app.stack(`myblog-${env}-${layer}`);

  it("puts one deterministic dashboard per environment in the edge stack, covering every layer's resources", () => {
    for (const env of ["dev", "prod"]) {
      const dashboards = Object.values(resources(stack(env, "edge"), "aws_cloudwatch_dashboard"));
      expect(dashboards).toHaveLength(1);
      expect(dashboards[0].dashboard_name).toBe(`myblog-${env}-eu-west-1-operations`);
      const body = JSON.parse(String(dashboards[0].dashboard_body)) as {
        widgets: { properties: { title?: string; region?: string; metrics?: unknown[][] } }[];
      };
      const lines = (title: string) =>
        body.widgets.find((w) => w.properties.title === title)?.properties.metrics ?? [];
      // Every function any layer defines, found in the trees: a new one is covered without an edit.
      // (the pre-traffic hook is on in production only: release.preTrafficHook)
      const functions = [
        "api",
        ...(env === "prod" ? ["api-release-hook"] : []),
        "mail-feedback",
        "migrate",
        "thumbnail",
        "upload-stats",
        "welcome-email",
      ].map((f) => `myblog-${env}-${f}`);
      for (const title of [
        "Invocations",
        "Errors",
        "Throttles",
        "Duration p99 (ms)",
        "Concurrent executions",
      ])
        expect(
          lines(title)
            .map((m) => m[3])
            .sort(),
        ).toEqual(functions);
      expect(lines("Stream iterator age (ms)")).toEqual([
        ["AWS/Lambda", "IteratorAge", "FunctionName", `myblog-${env}-welcome-email`],
      ]);
      expect(
        lines("Dead-letter queue depth")
          .map((m) => m[3])
          .sort(),
      ).toEqual(
        [
          "mail-feedback-dlq",
          "mail-feedback-undelivered",
          "thumbnail-dlq",
          "thumbnail-undelivered",
          "upload-stats-queue-dlq",
          "welcome-email-dlq",
        ].map((q) => `myblog-${env}-${q}`),
      );
      // Every table of the contract, whichever layer creates it (shared/contracts/tables.ts).
      expect(TABLE_NAMES).toEqual(
        expect.arrayContaining(["subscribers", "counters", "photos", "idempotency", "upload-stats"]),
      );
      expect(new Set(lines("DynamoDB throttled requests").map((m) => m[3]))).toEqual(
        new Set(TABLE_NAMES.map((t) => `myblog-${env}-${t}`)),
      );
      expect(lines("API requests")[0]).toEqual([
        "AWS/ApiGateway",
        "Count",
        "ApiId",
        expect.stringContaining(`cross-stack-reference-input-myblog-${env}-api`),
        "Stage",
        "$default",
      ]);
      const cdn = body.widgets.find((w) => w.properties.title === "CloudFront requests")!;
      expect(cdn.properties.region).toBe("us-east-1");
      expect(cdn.properties.metrics![0]).toEqual([
        "AWS/CloudFront",
        "Requests",
        "DistributionId",
        "${aws_cloudfront_distribution.cdn.id}",
        "Region",
        "Global",
      ]);
      expect(lines("PostgreSQL connections")[0]).toEqual([
        "AWS/RDS",
        "DatabaseConnections",
        "DBInstanceIdentifier",
        `myblog-${env}-postgres`,
      ]);
      for (const title of ["SES sends / bounces / complaints", "Cache evictions", "Cache engine CPU (%)"])
        expect(lines(title).length).toBeGreaterThan(0);
    }
    // The cache hit rate needs CloudFront's additional metrics, which production turns on.
    expect(
      Object.keys(resources(stack("prod", "edge"), "aws_cloudfront_monitoring_subscription")),
    ).toHaveLength(1);
    expect(resources(stack("dev", "edge"), "aws_cloudfront_monitoring_subscription")).toEqual({});
    // Same input, same bytes.
    const again = synthApp({}, { BLOG_ENVIRONMENTS: "dev,prod" }).stack("myblog-prod-edge");
    expect(resources(again, "aws_cloudwatch_dashboard")).toEqual(
      resources(stack("prod", "edge"), "aws_cloudwatch_dashboard"),
    );
  });

  it("alarms on DynamoDB throttling of every table, to the ops topic", () => {
    const data = alarms(stack("prod", "data"));
    for (const table of tablesOf("data"))
      for (const [what, metric] of [
        ["read", "ReadThrottleEvents"],
        ["write", "WriteThrottleEvents"],
      ])
        expect(data[`${table}-${what}-throttles`]).toMatchObject({
          namespace: "AWS/DynamoDB",
          metric_name: metric,
          dimensions: { TableName: `myblog-prod-${table}` },
          threshold: 10,
          alarm_actions: [expect.stringMatching(/ops_topic_arn|ops-topic/)],
        });
  });

  it("alarms on PostgreSQL connections at 70% of the class's default max_connections, or the configured threshold", () => {
    // db.t4g.medium: 4 GiB / 9531392 = 450; db.t4g.micro: 1 GiB → 112.
    expect(alarms(stack("prod", "data"))["db-connections"]).toMatchObject({
      metric_name: "DatabaseConnections",
      dimensions: { DBInstanceIdentifier: "${aws_db_instance.postgres.identifier}" },
      statistic: "Maximum",
      threshold: 315,
    });
    expect(alarms(stack("dev", "data"))["db-connections"].threshold).toBe(78);
    const custom = synthApp({
      environments: { dev: { database: { instanceClass: "db.r6g.large", connectionsAlarmThreshold: 900 } } },
    }).stack("myblog-dev-data");
    expect(alarms(custom)["db-connections"].threshold).toBe(900);
  });

  it("alarms on the stream's iterator age and on SES reputation before AWS reviews the account", () => {
    const events = alarms(stack("prod", "events"));
    expect(events["welcome-email-stream-iterator-age"]).toMatchObject({
      metric_name: "IteratorAge",
      statistic: "Maximum",
      // A sixth of the mapping's 3600 s maximum record age.
      threshold: 600_000,
    });
    expect(events["ses-bounce-rate"]).toMatchObject({
      metric_name: "Reputation.BounceRate",
      threshold: 0.04,
    });
    expect(events["ses-complaint-rate"]).toMatchObject({
      metric_name: "Reputation.ComplaintRate",
      threshold: 0.0008,
    });
    // Account-wide rates: what SES judges.
    expect(events["ses-bounce-rate"].dimensions).toBeUndefined();
  });

  it("alarms on CloudFront's 5xx rate in us-east-1, to an encrypted topic there with the same subscribers", () => {
    const edge = synthApp({
      environments: {
        prod: {
          allowAnyAccount: true,
          alarmEmails: ["ops@example.com"],
          alarmTopicSubscriptions: [{ protocol: "https", endpoint: "https://hooks.example.com/alarms" }],
        },
      },
    }).stack("myblog-prod-edge");
    expect(alarms(edge)["cdn-5xx-rate"]).toMatchObject({
      provider: "aws.us-east-1",
      namespace: "AWS/CloudFront",
      metric_name: "5xxErrorRate",
      dimensions: { DistributionId: "${aws_cloudfront_distribution.cdn.id}", Region: "Global" },
      threshold: 5,
      alarm_actions: ["${aws_sns_topic.edge-ops-topic.arn}"],
    });
    expect(resources(edge, "aws_sns_topic")["edge-ops-topic"]).toMatchObject({
      provider: "aws.us-east-1",
      kms_master_key_id: "${aws_kms_key.edge-alarm-key.arn}",
    });
    const subscriptions = Object.values(resources(edge, "aws_sns_topic_subscription"));
    expect(subscriptions.map((s) => [s.protocol, s.endpoint]).sort()).toEqual([
      ["email", "ops@example.com"],
      ["https", "https://hooks.example.com/alarms"],
    ]);
  });

  it("fans alarms in to an existing topic of the alarm's own region, and subscribes e-mail and HTTPS endpoints", () => {
    const fanIn = "arn:aws:sns:eu-west-1:123456789012:team-pager";
    const out = synthApp({
      environments: {
        prod: {
          allowAnyAccount: true,
          alarmTopicSubscriptions: [
            { protocol: "topic", topicArn: fanIn },
            { protocol: "topic", topicArn: "arn:aws:sns:us-east-1:123456789012:team-pager" },
            { protocol: "https", endpoint: "https://hooks.example.com/alarms" },
          ],
        },
      },
    });
    for (const layer of ["data", "events", "api"])
      for (const alarm of Object.values(alarms(out.stack(`myblog-prod-${layer}`)))) {
        expect(alarm.alarm_actions).toContain(fanIn);
        expect(alarm.ok_actions).toContain(fanIn);
        expect(alarm.alarm_actions).not.toContain("arn:aws:sns:us-east-1:123456789012:team-pager");
      }
    expect(alarms(out.stack("myblog-prod-edge"))["cdn-5xx-rate"].alarm_actions).toEqual([
      "${aws_sns_topic.edge-ops-topic.arn}",
      "arn:aws:sns:us-east-1:123456789012:team-pager",
    ]);
    const network = out.stack("myblog-prod-network");
    expect(Object.values(resources(network, "aws_sns_topic_subscription"))).toEqual([
      expect.objectContaining({ protocol: "https", endpoint: "https://hooks.example.com/alarms" }),
    ]);
  });
});
