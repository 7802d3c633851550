/** SNS topics, SQS queues and SES configuration sets. */
import { block, isSet, isTrue } from "../model";
import { resourceRule } from "../rule";

export const messagingRules = [
  resourceRule({
    id: "CKV_AWS_26",
    title: "SNS topic is encrypted with KMS",
    description: "Messages are stored unencrypted while the topic holds them.",
    remediation:
      "Set kms_master_key_id = the customer-managed key (its policy must let the publishing services use it).",
    types: ["aws_sns_topic"],
    check: (t) => (isSet(t.body.kms_master_key_id) ? undefined : "kms_master_key_id is not set"),
  }),
  resourceRule({
    id: "CKV_AWS_27",
    title: "SQS queue is encrypted",
    description: "Messages are stored unencrypted in the queue.",
    remediation: "Set kms_master_key_id = the customer-managed key (or sqs_managed_sse_enabled = true).",
    types: ["aws_sqs_queue"],
    check: (q) =>
      isSet(q.body.kms_master_key_id) || isTrue(q.body.sqs_managed_sse_enabled)
        ? undefined
        : "neither kms_master_key_id nor sqs_managed_sse_enabled is set",
  }),
  resourceRule({
    id: "CKV_AWS_365",
    title: "SES configuration set requires TLS",
    description: "SES may deliver the message in clear text when the receiving server does not offer TLS.",
    remediation: 'Set delivery_options { tls_policy = "Require" } (SES v2: "REQUIRE").',
    types: ["aws_ses_configuration_set", "aws_sesv2_configuration_set"],
    check: (c) =>
      String(block(c.body.delivery_options)?.tls_policy ?? "").toUpperCase() === "REQUIRE"
        ? undefined
        : "delivery_options.tls_policy is not Require",
  }),
];
