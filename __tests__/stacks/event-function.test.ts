/**
 * EventFunction (lib/event-function.ts) and SnsLambdaSubscription (lib/sns-lambda-subscription.ts) on their own: one
 * call gives a function its source, its failure path, its alarms and its release, each source the way it needs.
 */
import { FUNCTIONS } from "../../shared/contracts/functions";
import type { Construct } from "constructs";
import { EventFunction, type EventSource } from "../../lib/event-function";
import { bindTable } from "../../lib/function-grants";
import { DeadLetterQueue } from "../../lib/dead-letter";
import { NodeFunction } from "../../lib/node-function";
import { SnsLambdaSubscription } from "../../lib/sns-lambda-subscription";
import { only, policy, resources, type TerraformJson } from "./synth";
import { synthInStack, TEST_KEY_ARN, TEST_OPS_TOPIC_ARN } from "./test-stack";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:events";
const STREAM = "arn:aws:dynamodb:eu-west-1:123456789012:table/subscribers/stream/1";
const subscribers = { name: "subscribers", arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/subscribers" };

/** The mail-feedback handler invoked by `source`. */
function feedbackFunction(scope: Construct, source: EventSource, timeout?: number) {
  return new EventFunction(scope, "mail-feedback", {
    handler: "mail-feedback",
    description: "test",
    timeout,
    source,
    environment: { SUBSCRIBERS_TABLE: bindTable(subscribers, ["UpdateItem"]) },
  });
}

const sids = (stack: TerraformJson) =>
  policy(only(stack, "aws_iam_role_policy").policy).Statement.map((s) => s.Sid);
const alarmNames = (stack: TerraformJson) =>
  Object.values(resources(stack, "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_name);

describe("EventFunction", () => {
  describe("from a topic", () => {
    const stack = synthInStack((scope) => void feedbackFunction(scope, { type: "topic", topicArn: TOPIC }));

    it("subscribes the live alias, with SNS's right to invoke it and a queue for what SNS cannot deliver", () => {
      expect(only(stack, "aws_sns_topic_subscription")).toMatchObject({
        topic_arn: TOPIC,
        protocol: "lambda",
        endpoint: expect.stringMatching(/^\$\{aws_lambda_alias\.mail-feedback_live_\w+\.arn\}$/),
        redrive_policy: JSON.stringify({
          deadLetterTargetArn: "${aws_sqs_queue.mail-feedback-undelivered.arn}",
        }),
      });
      expect(only(stack, "aws_sns_topic_subscription").filter_policy).toBeUndefined();
      expect(only(stack, "aws_lambda_permission")).toMatchObject({
        principal: "sns.amazonaws.com",
        source_arn: TOPIC,
        qualifier: expect.stringContaining("aws_lambda_alias.mail-feedback_live"),
      });
    });

    it("retries twice within an hour, then keeps the event in its dead-letter queue, which it may send to", () => {
      expect(only(stack, "aws_lambda_function_event_invoke_config")).toMatchObject({
        maximum_retry_attempts: 2,
        maximum_event_age_in_seconds: 3600,
        destination_config: { on_failure: { destination: "${aws_sqs_queue.mail-feedback-dlq.arn}" } },
      });
      expect(resources(stack, "aws_sqs_queue")["mail-feedback-dlq"].kms_master_key_id).toBe(TEST_KEY_ARN);
      expect(sids(stack)).toEqual([
        "WriteOwnLogs",
        "Tracing",
        "SubscribersTable",
        "UseDataKey",
        "OnFailureDestination",
      ]);
    });

    it("pages the ops topic on errors, throttles and dead letters, both queues included", () => {
      expect(alarmNames(stack).sort()).toEqual([
        "${aws_lambda_function.mail-feedback_function_04D034DB.function_name}-errors",
        "${aws_lambda_function.mail-feedback_function_04D034DB.function_name}-throttles",
        "${aws_sqs_queue.mail-feedback-dlq.name}-not-empty",
        "${aws_sqs_queue.mail-feedback-undelivered.name}-not-empty",
      ]);
      for (const alarm of Object.values(resources(stack, "aws_cloudwatch_metric_alarm")))
        expect(alarm.alarm_actions).toEqual([TEST_OPS_TOPIC_ARN]);
    });
  });

  it("from a queue: polls a queue of the topic, visible six timeouts, with at most its reserved concurrency", () => {
    const filter = { filterPolicyScope: "MessageBody", filterPolicy: { kind: ["x"] } } as const;
    const stack = synthInStack(
      (scope) =>
        void feedbackFunction(scope, {
          type: "queue",
          topicArn: TOPIC,
          filter,
          batchSize: 10,
          maximumBatchingWindowInSeconds: 5,
        }),
    );
    const queues = resources(stack, "aws_sqs_queue");
    expect(Object.keys(queues).sort()).toEqual(["mail-feedback-queue", "mail-feedback-queue-dlq"]);
    // Six times the function's timeout, its contract's when not given.
    expect(queues["mail-feedback-queue"].visibility_timeout_seconds).toBe(
      6 * FUNCTIONS["mail-feedback"].timeout,
    );
    expect(only(stack, "aws_lambda_event_source_mapping")).toMatchObject({
      event_source_arn: "${aws_sqs_queue.mail-feedback-queue.arn}",
      batch_size: 10,
      function_response_types: ["ReportBatchItemFailures"],
      // mail-feedback's share in config/concurrency.ts.
      scaling_config: { maximum_concurrency: 2 },
    });
    expect(only(stack, "aws_sns_topic_subscription")).toMatchObject({
      protocol: "sqs",
      filter_policy: JSON.stringify(filter.filterPolicy),
    });
    expect(sids(stack)).toEqual([
      "WriteOwnLogs",
      "Tracing",
      "SubscribersTable",
      "ConsumeQueue",
      "UseDataKey",
    ]);
    expect(resources(stack, "aws_lambda_function_event_invoke_config")).toEqual({});
  });

  describe("from a stream", () => {
    const source = {
      type: "stream",
      streamArn: STREAM,
      name: "Subscriber",
      startingPosition: "LATEST",
      batchSize: 25,
      maximumBatchingWindowInSeconds: 1,
      maximumRetryAttempts: 3,
      maximumRecordAgeSeconds: 600,
    } as const;

    it("maps the stream with bisecting retries and gives up records to its dead-letter queue", () => {
      const stack = synthInStack((scope) => void feedbackFunction(scope, source));
      const mapping = only(stack, "aws_lambda_event_source_mapping");
      expect(mapping).toMatchObject({
        event_source_arn: STREAM,
        starting_position: "LATEST",
        bisect_batch_on_function_error: true,
        maximum_retry_attempts: 3,
        maximum_record_age_in_seconds: 600,
        destination_config: { on_failure: { destination_arn: "${aws_sqs_queue.mail-feedback-dlq.arn}" } },
      });
      expect(mapping.filter_criteria).toBeUndefined();
      expect(sids(stack)).toEqual([
        "WriteOwnLogs",
        "Tracing",
        "SubscribersTable",
        "ReadSubscriberStream",
        "ListSubscriberStreams",
        "OnFailureDestination",
        "UseDataKey",
      ]);
      // Pages at a sixth of the age at which records are given up.
      expect(
        resources(stack, "aws_cloudwatch_metric_alarm")["mail-feedback-stream-iterator-age"],
      ).toMatchObject({
        metric_name: "IteratorAge",
        threshold: 100_000,
      });
    });

    it("passes only the stream events it names", () => {
      const stack = synthInStack(
        (scope) => void feedbackFunction(scope, { ...source, eventNames: ["INSERT"] }),
      );
      expect(only(stack, "aws_lambda_event_source_mapping").filter_criteria).toEqual({
        filter: [{ pattern: '{"eventName":["INSERT"]}' }],
      });
    });
  });

  it("is released by CodeDeploy where the environment is, rolled back by its own alarms", () => {
    const prod = synthInStack((scope) => void feedbackFunction(scope, { type: "topic", topicArn: TOPIC }), {
      envName: "prod",
    });
    const group = only(prod, "aws_codedeploy_deployment_group");
    expect(group.deployment_group_name).toBe(
      "${aws_lambda_function.mail-feedback_function_04D034DB.function_name}",
    );
    expect((group.alarm_configuration as { alarms: string[] }).alarms).toEqual([
      "${aws_cloudwatch_metric_alarm.mail-feedback-errors.alarm_name}",
      "${aws_cloudwatch_metric_alarm.mail-feedback-throttles.alarm_name}",
    ]);
    const dev = synthInStack((scope) => void feedbackFunction(scope, { type: "topic", topicArn: TOPIC }));
    expect(resources(dev, "aws_codedeploy_deployment_group")).toEqual({});
  });
});

describe("SnsLambdaSubscription", () => {
  it("takes other retry settings and a filter, and is named after its function", () => {
    const stack = synthInStack((scope) => {
      const fn = new NodeFunction(scope, "mail-feedback", {
        handler: "mail-feedback",
        description: "test",
        environment: { SUBSCRIBERS_TABLE: "s" },
      });
      new SnsLambdaSubscription(scope, "subscription", {
        topicArn: TOPIC,
        fn,
        filter: { filterPolicyScope: "MessageAttributes", filterPolicy: { kind: ["bounce"] } },
        deadLetters: new DeadLetterQueue(scope, "feedback-dlq"),
        retry: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      });
    });
    expect(Object.keys(resources(stack, "aws_sns_topic_subscription"))).toEqual([
      "mail-feedback-subscription",
    ]);
    expect(only(stack, "aws_sns_topic_subscription")).toMatchObject({
      filter_policy: '{"kind":["bounce"]}',
      filter_policy_scope: "MessageAttributes",
    });
    expect(resources(stack, "aws_lambda_function_event_invoke_config")["mail-feedback-async"]).toMatchObject({
      maximum_retry_attempts: 0,
      maximum_event_age_in_seconds: 60,
      destination_config: { on_failure: { destination: "${aws_sqs_queue.feedback-dlq.arn}" } },
    });
    // The queue is encrypted: sending to it grants the key too.
    expect(sids(stack)).toEqual(["WriteOwnLogs", "Tracing", "OnFailureDestination", "UseDataKey"]);
  });
});
