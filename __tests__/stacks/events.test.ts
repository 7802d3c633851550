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
    for (const suffix of ["-thumbnail", "-welcome-email"]) {
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
    const mapping = only(events, "aws_lambda_event_source_mapping");
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
    expect(alarms.map((a) => a.metric_name).sort()).toEqual([
      "ApproximateNumberOfMessagesVisible",
      "ApproximateNumberOfMessagesVisible",
      "Errors",
      "Errors",
      "IteratorAge",
      "Reputation.BounceRate",
      "Reputation.ComplaintRate",
      "Throttles",
      "Throttles",
    ]);
    for (const alarm of alarms) expect(String((alarm.alarm_actions as string[])[0])).toMatch(/ops-topic/);
  });
});
