import { networkKeyReference, only, policy, resources, synthApp, type TerraformJson } from "./synth";

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
  const networkKey = networkKeyReference(app, "dev");

  it("runs the event functions outside the VPC on the newest Node.js runtime, arm64, traced, with real code", () => {
    for (const suffix of ["-thumbnail", "-welcome-email", "-upload-stats", "-mail-feedback"]) {
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

  it("encrypts every log group, queue, topic and table with the network's key, and each function may use it", () => {
    const keyed = [
      ...Object.values(resources(events, "aws_cloudwatch_log_group")).map((g) => g.kms_key_id),
      ...Object.values(resources(events, "aws_sqs_queue")).map((q) => q.kms_master_key_id),
      ...Object.values(resources(events, "aws_sns_topic")).map((t) => t.kms_master_key_id),
      ...Object.values(resources(events, "aws_dynamodb_table")).map(
        (t) => (t.server_side_encryption as { kms_key_arn: string }).kms_key_arn,
      ),
    ];
    expect(keyed).toHaveLength(4 + 7 + 2 + 1);
    for (const reference of keyed) expect(reference).toBe(networkKey);
    const keyUse = Object.values(resources(events, "aws_iam_role_policy")).map((p) =>
      policy(p.policy).Statement.find((s) => s.Sid === "UseDataKey")!,
    );
    expect(keyUse).toHaveLength(4);
    for (const statement of keyUse) expect(statement.Resource).toBe(networkKey);
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
    expect(resources(events, "aws_sqs_queue")["welcome-email-dlq"].kms_master_key_id).toBe(networkKey);
  });

  it("sends S3 uploads/ events to a KMS topic that only the uploads bucket of this account may publish to", () => {
    const notification = only(events, "aws_s3_bucket_notification");
    expect(notification.topic).toEqual([
      expect.objectContaining({ events: ["s3:ObjectCreated:*"], filter_prefix: "uploads/" }),
    ]);
    const topicPolicy = policy(resources(events, "aws_sns_topic_policy")["uploads-topic-policy"].policy);
    expect(topicPolicy.Statement).toHaveLength(1);
    expect(topicPolicy.Statement[0]).toMatchObject({
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sns:Publish",
      Condition: {
        ArnLike: { "aws:SourceArn": expect.stringMatching(/uploads/) },
        StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.caller.account_id}" },
      },
    });
    expect(resources(events, "aws_sns_topic")["uploads-topic"].kms_master_key_id).toBe(networkKey);
  });

  it("gives the thumbnail function an on-failure destination and an SNS-scoped permission", () => {
    const invoke = resources(events, "aws_lambda_function_event_invoke_config")["thumbnail-async"];
    expect(invoke).toMatchObject({ maximum_retry_attempts: 2 });
    expect(JSON.stringify(invoke.destination_config)).toMatch(/thumbnail-dlq/);
    expect(resources(events, "aws_lambda_permission")["thumbnail-from-sns"]).toMatchObject({
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
    // The only wildcard resources are for actions that support no resource-level permissions: X-Ray's, and
    // dynamodb:ListStreams for the subscriber stream's mapping (the stream actions themselves name the stream).
    const wildcards = (p: typeof welcome) => p.Statement.filter((s) => s.Resource === "*").map((s) => s.Sid);
    expect(wildcards(thumbnail)).toEqual(["Tracing"]);
    expect(wildcards(welcome)).toEqual(["Tracing", "ListSubscriberStreams"]);
    expect(welcome.Statement.find((s) => s.Sid === "ListSubscriberStreams")!.Action).toEqual([
      "dynamodb:ListStreams",
    ]);
  });

  describe("upload fan-out", () => {
    const subscriptions = resources(events, "aws_sns_topic_subscription");
    const queues = resources(events, "aws_sqs_queue");
    const queuePolicies = resources(events, "aws_sqs_queue_policy");

    it("filters the S3 event body: images to the thumbnail function, every non-empty upload to the stats queue", () => {
      const ofUploads = Object.entries(subscriptions).filter(([, sub]) =>
        String(sub.topic_arn).includes("uploads"),
      );
      expect(ofUploads.map(([id]) => id).sort()).toEqual([
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
      for (const [, subscription] of ofUploads) {
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
        expect(queues[id].kms_master_key_id).toBe(networkKey);
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

  it("requires TLS from SES and verifies the configured identity: the address in prod, labelled in dev", () => {
    expect(only(events, "aws_ses_configuration_set").delivery_options).toEqual({ tls_policy: "Require" });
    // Both environments may share an account and a region: the primary one (prod) owns the configured address.
    expect(only(app.stack("myblog-prod-events"), "aws_ses_email_identity").email).toBe(
      "no-reply@example.com",
    );
    expect(only(events, "aws_ses_email_identity").email).toBe("no-reply+dev@example.com");
    const { fn } = functionNamed(events, "-welcome-email");
    expect((fn.environment as { variables: Record<string, string> }).variables.SES_SENDER).toBe(
      "no-reply+dev@example.com",
    );
    // Without a production environment nobody owns the apex: dev sends from its own subdomain, as its site serves.
    const domainMode = synthApp({
      ses: { sender: "hello@blog.example.com", identity: "domain" },
      environments: { dev: {} },
    });
    expect(only(domainMode.stack("myblog-dev-events"), "aws_ses_domain_identity").domain).toBe(
      "dev.blog.example.com",
    );
  });

  describe("SES domain identity", () => {
    const zoned = synthApp({
      ses: { sender: "hello@blog.example.com", identity: "domain", dmarcReportAddress: "dmarc@example.com" },
      domain: { name: "blog.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
      environments: { dev: {}, prod: { allowAnyAccount: true, alarmEmails: ["ops@example.com"] } },
    });
    const prod = zoned.stack("myblog-prod-events");
    const records = (stack: TerraformJson) =>
      Object.values(resources(stack, "aws_route53_record")).map((r) => ({
        name: r.name,
        type: r.type,
        records: r.records,
        zone_id: r.zone_id,
      }));

    it("writes three DKIM CNAMEs, the MAIL FROM MX and SPF, and (production) DMARC into the zone", () => {
      const written = records(prod);
      expect(written).toHaveLength(6);
      for (const r of written) expect(r.zone_id).toBe("Z0123456789ABCDEFGHIJ");
      for (const i of [0, 1, 2]) {
        const token = `\${element(aws_ses_domain_dkim.ses-dkim.dkim_tokens, ${i})}`;
        expect(written).toContainEqual(
          expect.objectContaining({
            name: `${token}._domainkey.blog.example.com`,
            type: "CNAME",
            records: [`${token}.dkim.amazonses.com`],
          }),
        );
      }
      expect(written).toContainEqual(
        expect.objectContaining({
          name: "mail.blog.example.com",
          type: "MX",
          records: ["10 feedback-smtp.eu-west-1.amazonses.com"],
        }),
      );
      expect(written).toContainEqual(
        expect.objectContaining({
          name: "mail.blog.example.com",
          type: "TXT",
          records: ["v=spf1 include:amazonses.com ~all"],
        }),
      );
      expect(written).toContainEqual(
        expect.objectContaining({
          name: "_dmarc.blog.example.com",
          type: "TXT",
          records: ["v=DMARC1; p=none; rua=mailto:dmarc@example.com"],
        }),
      );
      expect(only(prod, "aws_ses_domain_mail_from")).toMatchObject({
        mail_from_domain: "mail.blog.example.com",
        behavior_on_mx_failure: "UseDefaultValue",
      });
      expect(prod.output?.ses_dns_records).toBeUndefined();
    });

    it("has dev send from dev.<domain> with its own MAIL FROM, and leaves the DMARC record to production", () => {
      const stack = zoned.stack("myblog-dev-events");
      const dev = records(stack);
      expect(dev).toHaveLength(5);
      expect(dev.map((r) => r.name)).not.toContain("_dmarc.blog.example.com");
      expect(only(stack, "aws_ses_domain_identity").domain).toBe("dev.blog.example.com");
      expect(only(stack, "aws_ses_domain_mail_from").mail_from_domain).toBe("mail.dev.blog.example.com");
      expect(dev.filter((r) => r.type !== "CNAME").map((r) => `${String(r.name)} ${String(r.type)}`)).toEqual(
        ["mail.dev.blog.example.com MX", "mail.dev.blog.example.com TXT"],
      );
      for (const r of dev) expect(String(r.name)).toMatch(/\.dev\.blog\.example\.com$/);
      const { fn } = functionNamed(stack, "-welcome-email");
      expect((fn.environment as { variables: Record<string, string> }).variables.SES_SENDER).toBe(
        "hello@dev.blog.example.com",
      );
    });

    it("without a zone for the sender's domain, outputs the records to create instead", () => {
      const unzoned = synthApp({
        ses: { sender: "hello@mail-only.example.org", identity: "domain", dmarcPolicy: "quarantine" },
        domain: { name: "blog.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
        environments: { prod: { allowAnyAccount: true, alarmEmails: ["ops@example.com"] } },
      });
      const stack = unzoned.stack("myblog-prod-events");
      expect(resources(stack, "aws_route53_record")).toEqual({});
      const output = (stack.output as Record<string, { value: unknown; description: string }>)
        .ses_dns_records;
      expect(output.description).toMatch(/DNS records to create in the zone of mail-only\.example\.org/);
      const listed = output.value as { name: string; type: string; value: string }[];
      expect(listed.map((r) => r.type)).toEqual(["CNAME", "CNAME", "CNAME", "MX", "TXT", "TXT"]);
      expect(listed[0].value).toBe(
        "${element(aws_ses_domain_dkim.ses-dkim.dkim_tokens, 0)}.dkim.amazonses.com",
      );
      expect(listed[5]).toEqual({
        name: "_dmarc.mail-only.example.org",
        type: "TXT",
        value: "v=DMARC1; p=quarantine",
      });
    });
  });

  describe("SES bounces and complaints", () => {
    const account = "${data.aws_caller_identity.caller.account_id}";
    const configurationSetArn = (env: string) =>
      `arn:aws:ses:eu-west-1:${account}:configuration-set/myblog-${env}-mail`;

    it("go from the configuration set to the ops topic and to the feedback topic", () => {
      const destinations = Object.values(resources(events, "aws_ses_event_destination"));
      expect(destinations).toHaveLength(2);
      for (const d of destinations) {
        expect(d).toMatchObject({ enabled: true, matching_types: ["bounce", "complaint"] });
        expect(d.configuration_set_name).toBe("${aws_ses_configuration_set.ses-configuration-set.name}");
      }
      const topics = destinations.map((d) => (d.sns_destination as { topic_arn: string }).topic_arn);
      expect(topics).toContainEqual(expect.stringMatching(/terraform_remote_state\..*ops-topic/));
      expect(topics).toContain("${aws_sns_topic.mail-feedback-topic.arn}");
    });

    it("only this configuration set of this account may publish to the feedback topic", () => {
      const feedback = resources(events, "aws_sns_topic_policy")["mail-feedback-topic-policy"];
      expect(policy(feedback.policy).Statement).toEqual([
        {
          Sid: "SesPublishesMailFeedback",
          Effect: "Allow",
          Principal: { Service: "ses.amazonaws.com" },
          Action: "sns:Publish",
          Resource: "${aws_sns_topic.mail-feedback-topic.arn}",
          Condition: {
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: { "aws:SourceArn": "${aws_ses_configuration_set.ses-configuration-set.arn}" },
          },
        },
      ]);
      expect(resources(events, "aws_sns_topic")["mail-feedback-topic"].kms_master_key_id).toBe(networkKey);
    });

    it("the ops topic and the key admit SES for this configuration set only", () => {
      const network = app.stack("myblog-dev-network");
      const ops = Object.entries(resources(network, "aws_sns_topic_policy")).find(([id]) =>
        id.startsWith("ops"),
      )!;
      const statement = policy(ops[1].policy).Statement.find((s) => s.Sid === "SesPublishesMailFeedback")!;
      expect(statement.Condition).toEqual({
        StringEquals: { "aws:SourceAccount": account },
        ArnLike: { "aws:SourceArn": configurationSetArn("dev") },
      });
      const key = policy(only(network, "aws_kms_key").policy);
      const keyUse = key.Statement.find((s) => s.Sid === "SesPublishesToEncryptedTopics")!;
      expect(keyUse.Principal).toEqual({ Service: "ses.amazonaws.com" });
      expect(keyUse.Action).toEqual(["kms:GenerateDataKey*", "kms:Decrypt"]);
      expect(keyUse.Condition).toEqual(statement.Condition);
      expect(resources(events, "aws_ses_configuration_set")["ses-configuration-set"].name).toBe(
        "myblog-dev-mail",
      );
    });

    it("reach mail-feedback through its live alias, with only UpdateItem on the subscribers and a DLQ", () => {
      const { id, fn } = functionNamed(events, "-mail-feedback");
      expect(fn.reserved_concurrent_executions).toBe(2);
      const subscription = resources(events, "aws_sns_topic_subscription")["mail-feedback-subscription"];
      expect(subscription).toMatchObject({
        protocol: "lambda",
        endpoint: expect.stringMatching(/^\$\{aws_lambda_alias\.mail-feedback_live_\w+\.arn\}$/),
        topic_arn: "${aws_sns_topic.mail-feedback-topic.arn}",
      });
      expect(String(subscription.redrive_policy)).toContain("mail-feedback-undelivered");
      expect(resources(events, "aws_lambda_permission")["mail-feedback-from-sns"]).toMatchObject({
        principal: "sns.amazonaws.com",
        qualifier: expect.stringContaining("aws_lambda_alias.mail-feedback_live"),
        source_arn: "${aws_sns_topic.mail-feedback-topic.arn}",
      });
      expect(
        resources(events, "aws_lambda_function_event_invoke_config")["mail-feedback-async"],
      ).toMatchObject({
        destination_config: { on_failure: { destination: "${aws_sqs_queue.mail-feedback-dlq.arn}" } },
      });
      const bySid = Object.fromEntries(rolePolicy(events, id).Statement.map((s) => [s.Sid, s]));
      expect(bySid.SubscribersTable.Action).toEqual(["dynamodb:UpdateItem"]);
      expect(rolePolicy(events, id).Statement.flatMap((s) => [s.Action].flat())).not.toContain(
        "ses:SendEmail",
      );
    });
  });

  it("alarms on errors, throttles and dead letters to the ops topic", () => {
    const alarms = Object.values(resources(events, "aws_cloudwatch_metric_alarm"));
    // Four functions; six dead-letter queues (three of functions, thumbnail- and mail-feedback-undelivered,
    // upload-stats-queue-dlq).
    expect(alarms.map((a) => a.metric_name).sort()).toEqual([
      ...Array<string>(6).fill("ApproximateNumberOfMessagesVisible"),
      ...Array<string>(4).fill("Errors"),
      "IteratorAge",
      "ReadThrottleEvents",
      "Reputation.BounceRate",
      "Reputation.ComplaintRate",
      ...Array<string>(4).fill("Throttles"),
      "WriteThrottleEvents",
    ]);
    for (const alarm of alarms) expect(String((alarm.alarm_actions as string[])[0])).toMatch(/ops-topic/);
  });
});
