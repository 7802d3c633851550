import { only, policy, resources, synthApp, type TerraformJson } from "./synth";

function functionNamed(stack: TerraformJson, suffix: string) {
  const entry = Object.entries(resources(stack, "aws_lambda_function")).find(([, f]) =>
    String(f.function_name).endsWith(suffix),
  );
  if (!entry) throw new Error(`no function ending in ${suffix}`);
  return { id: entry[0], fn: entry[1] };
}

/** The inline policy of a function's role. */
function rolePolicy(stack: TerraformJson, functionId: string) {
  const prefix = functionId.split("_function_")[0];
  const entry = Object.entries(resources(stack, "aws_iam_role_policy")).find(([id]) => id.startsWith(prefix));
  return policy(entry![1].policy);
}

describe("events stack", () => {
  const app = synthApp();
  const events = app.stack("myblog-dev-events");

  it("runs the event functions outside the VPC on the newest Node.js runtime, arm64, traced, with real code", () => {
    for (const suffix of ["-thumbnail", "-welcome-email", "-upload-stats"]) {
      const { fn } = functionNamed(events, suffix);
      expect(fn).toMatchObject({
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        tracing_config: { mode: "Active" },
      });
      expect(fn.vpc_config).toBeUndefined();
      expect(String(fn.filename)).toMatch(/^assets\/.+\.zip$/);
      expect(String(fn.source_code_hash)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    }
    for (const group of Object.values(resources(events, "aws_cloudwatch_log_group"))) {
      expect(group.retention_in_days).toBe(30);
    }
  });

  it("maps the subscriber stream with partial batch failures, bisecting, finite retries, an INSERT filter and a DLQ", () => {
    const mapping = resources(events, "aws_lambda_event_source_mapping")["welcome-email-stream"];
    expect(mapping).toMatchObject({
      function_response_types: ["ReportBatchItemFailures"],
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: 3,
      maximum_record_age_in_seconds: 3600,
      filter_criteria: { filter: [{ pattern: '{"eventName":["INSERT"]}' }] },
    });
    expect(String(mapping.event_source_arn)).toMatch(/terraform_remote_state\..*subscribers/);
    const dlq = (mapping.destination_config as { on_failure: { destination_arn: string } }).on_failure
      .destination_arn;
    expect(dlq).toMatch(/^\$\{aws_sqs_queue\.welcome-email-dlq\.arn\}$/);
    expect(resources(events, "aws_sqs_queue")["welcome-email-dlq"].kms_master_key_id).toBeDefined();
  });

  it("sends S3 uploads/ events to a KMS topic that only the uploads bucket of this account may publish to", () => {
    const notification = only(events, "aws_s3_bucket_notification");
    expect(notification.topic).toEqual([
      expect.objectContaining({ events: ["s3:ObjectCreated:*"], filter_prefix: "uploads/" }),
    ]);
    const topicPolicy = policy(only(events, "aws_sns_topic_policy").policy);
    expect(topicPolicy.Statement).toHaveLength(1);
    expect(topicPolicy.Statement[0]).toMatchObject({
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sns:Publish",
      Condition: {
        ArnLike: { "aws:SourceArn": expect.stringMatching(/uploads/) },
        StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.caller.account_id}" },
      },
    });
    expect(only(events, "aws_sns_topic").kms_master_key_id).toBeDefined();
  });

  it("gives the thumbnail function an on-failure destination and an SNS-scoped permission", () => {
    const invoke = only(events, "aws_lambda_function_event_invoke_config");
    expect(invoke).toMatchObject({ maximum_retry_attempts: 2 });
    expect(JSON.stringify(invoke.destination_config)).toMatch(/thumbnail-dlq/);
    expect(only(events, "aws_lambda_permission")).toMatchObject({
      principal: "sns.amazonaws.com",
      source_arn: "${aws_sns_topic.uploads-topic.arn}",
    });
  });

  it("lets each function do exactly what it needs", () => {
    const thumbnail = rolePolicy(events, functionNamed(events, "-thumbnail").id);
    const actions = (p: ReturnType<typeof policy>) => p.Statement.flatMap((s) => s.Action as string[]).sort();
    expect(actions(thumbnail)).toEqual(
      [
        "dynamodb:UpdateItem",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "s3:PutObject",
        "sqs:SendMessage",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
    const read = thumbnail.Statement.find((s) => s.Sid === "UploadsBucket")!;
    expect(read.Resource).toMatch(/\/uploads\/\*$/);
    const write = thumbnail.Statement.find((s) => s.Sid === "MediaBucket")!;
    expect(write.Resource).toMatch(/\/media\/\*$/);

    const welcome = rolePolicy(events, functionNamed(events, "-welcome-email").id);
    const ses = welcome.Statement.find((s) => s.Sid === "SendWelcomeEmail")!;
    expect(ses.Action).toEqual(["ses:SendEmail"]);
    // The site's address comes from the edge stack's parameter: read access to exactly that one.
    expect(welcome.Statement.find((s) => s.Sid === "SiteUrlParameter")).toEqual({
      Sid: "SiteUrlParameter",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource:
        "arn:aws:ssm:eu-west-1:${data.aws_caller_identity.caller.account_id}:parameter/myblog/dev/site-url",
    });
    const variables = (functionNamed(events, "-welcome-email").fn.environment as { variables: object })
      .variables;
    expect(variables).toMatchObject({ SITE_URL_PARAMETER: "/myblog/dev/site-url" });
    expect(variables).not.toHaveProperty("SITE_URL");
    // The only wildcard resource is X-Ray's, which supports no resource-level permissions.
    for (const p of [thumbnail, welcome]) {
      expect(p.Statement.filter((s) => s.Resource === "*").map((s) => s.Sid)).toEqual(["Tracing"]);
    }
  });

  describe("upload fan-out", () => {
    const subscriptions = resources(events, "aws_sns_topic_subscription");
    const queues = resources(events, "aws_sqs_queue");
    const queuePolicies = resources(events, "aws_sqs_queue_policy");

    it("filters the S3 event body: images to the thumbnail function, every non-empty upload to the stats queue", () => {
      expect(Object.keys(subscriptions).sort()).toEqual([
        "thumbnail-subscription",
        "upload-stats-queue-subscription",
      ]);
      const thumbnail = subscriptions["thumbnail-subscription"];
      expect(thumbnail).toMatchObject({ protocol: "lambda", filter_policy_scope: "MessageBody" });
      expect(JSON.parse(String(thumbnail.filter_policy))).toEqual({
        Records: {
          eventName: [{ prefix: "ObjectCreated:" }],
          s3: {
            object: {
              key: [{ suffix: ".jpg" }, { suffix: ".jpeg" }, { suffix: ".png" }, { suffix: ".webp" }],
            },
          },
        },
      });
      const stats = subscriptions["upload-stats-queue-subscription"];
      expect(stats).toMatchObject({
        protocol: "sqs",
        endpoint: "${aws_sqs_queue.upload-stats-queue.arn}",
        raw_message_delivery: true,
        filter_policy_scope: "MessageBody",
      });
      expect(JSON.parse(String(stats.filter_policy))).toEqual({
        Records: {
          eventName: [{ prefix: "ObjectCreated:" }],
          s3: { object: { key: [{ prefix: "uploads/" }], size: [{ numeric: [">", 0] }] } },
        },
      });
      for (const subscription of Object.values(subscriptions)) {
        expect(subscription.topic_arn).toBe("${aws_sns_topic.uploads-topic.arn}");
      }
    });

    it("gives each subscription a dead-letter queue for what SNS cannot deliver", () => {
      expect(JSON.parse(String(subscriptions["thumbnail-subscription"].redrive_policy))).toEqual({
        deadLetterTargetArn: "${aws_sqs_queue.thumbnail-undelivered.arn}",
      });
      expect(JSON.parse(String(subscriptions["upload-stats-queue-subscription"].redrive_policy))).toEqual({
        deadLetterTargetArn: "${aws_sqs_queue.upload-stats-queue-dlq.arn}",
      });
    });

    it("lets only the uploads topic send to its queues, over TLS", () => {
      for (const id of ["upload-stats-queue", "upload-stats-queue-dlq", "thumbnail-undelivered"]) {
        const statements = policy(queuePolicies[`${id}-policy`].policy).Statement;
        expect(statements).toEqual([
          expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny" }),
          {
            Sid: "OnlyThisTopicSends",
            Effect: "Allow",
            Principal: { Service: "sns.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: `\${aws_sqs_queue.${id}.arn}`,
            Condition: { ArnEquals: { "aws:SourceArn": "${aws_sns_topic.uploads-topic.arn}" } },
          },
        ]);
        expect(queues[id].kms_master_key_id).toBeDefined();
      }
    });

    it("redrives what the stats function keeps failing, and consumes the queue with partial batch failures", () => {
      expect(JSON.parse(String(queues["upload-stats-queue"].redrive_policy))).toEqual({
        deadLetterTargetArn: "${aws_sqs_queue.upload-stats-queue-dlq.arn}",
        maxReceiveCount: 5,
      });
      const { fn } = functionNamed(events, "-upload-stats");
      // Six times the function's timeout, so a message is not redelivered while it is being processed.
      expect(queues["upload-stats-queue"].visibility_timeout_seconds).toBe(6 * Number(fn.timeout));
      expect(resources(events, "aws_lambda_event_source_mapping")["upload-stats-mapping"]).toMatchObject({
        event_source_arn: "${aws_sqs_queue.upload-stats-queue.arn}",
        function_response_types: ["ReportBatchItemFailures"],
        batch_size: 10,
      });
      expect(resources(events, "aws_dynamodb_table")["upload-stats-table"]).toMatchObject({
        hash_key: "author",
        range_key: "item",
        server_side_encryption: { enabled: true },
      });
    });

    it("lets the stats function consume its queue and write its table, nothing else", () => {
      const stats = rolePolicy(events, functionNamed(events, "-upload-stats").id);
      const bySid = Object.fromEntries(stats.Statement.map((s) => [s.Sid, s]));
      expect(Object.keys(bySid).sort()).toEqual(
        ["ConsumeQueue", "Tracing", "UploadStatsTable", "UseDataKey", "WriteOwnLogs"].sort(),
      );
      expect(bySid.ConsumeQueue).toMatchObject({
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        Resource: "${aws_sqs_queue.upload-stats-queue.arn}",
      });
      expect(bySid.UploadStatsTable.Action).toEqual([
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ]);
    });
  });

  it("requires TLS from SES and verifies the configured identity", () => {
    expect(only(events, "aws_ses_configuration_set").delivery_options).toEqual({ tls_policy: "Require" });
    expect(only(events, "aws_ses_email_identity").email).toBe("no-reply@example.com");
    const domainMode = synthApp({
      ses: { sender: "hello@blog.example.com", identity: "domain" },
      environments: { dev: {} },
    });
    expect(only(domainMode.stack("myblog-dev-events"), "aws_ses_domain_identity").domain).toBe(
      "blog.example.com",
    );
  });

  it("alarms on errors, throttles and dead letters to the ops topic", () => {
    const alarms = Object.values(resources(events, "aws_cloudwatch_metric_alarm"));
    // Three functions; four dead-letter queues (two of functions, thumbnail-undelivered, upload-stats-queue-dlq).
    expect(alarms.map((a) => a.metric_name).sort()).toEqual([
      ...Array<string>(4).fill("ApproximateNumberOfMessagesVisible"),
      ...Array<string>(3).fill("Errors"),
      "IteratorAge",
      "ReadThrottleEvents",
      "Reputation.BounceRate",
      "Reputation.ComplaintRate",
      ...Array<string>(3).fill("Throttles"),
      "WriteThrottleEvents",
    ]);
    for (const alarm of alarms) expect(String((alarm.alarm_actions as string[])[0])).toMatch(/ops-topic/);
  });
});
