/**
 * Sending e-mail through SES, whole: the sender's identity (an address, or the domain with its DKIM, MAIL FROM and
 * DMARC records, lib/mail-domain.ts), the configuration set every e-mail is sent with (TLS required, reputation
 * metrics), its bounces and complaints to the ops topic and to a feedback topic for the function that marks the
 * subscribers, and the account's reputation alarms.
 */
import { SesConfigurationSet } from "@cdktf/provider-aws/lib/ses-configuration-set";
import { SesEmailIdentity } from "@cdktf/provider-aws/lib/ses-email-identity";
import { SesEventDestination } from "@cdktf/provider-aws/lib/ses-event-destination";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { Sender } from "../config/ownership";
import { keepAddresses } from "./addressing";
import { sesPublishes } from "./alarm-topic";
import { sesReputationAlarms } from "./alarms";
import type { Grant } from "./function-grants";
import { policyDocument } from "./iam";
import { MailDomain } from "./mail-domain";
import { sesConfigurationSetName } from "./ses-names";
import { StackContext } from "./stack-context";

export interface MailSendingProps {
  /**
   * What this environment sends as and the identity it owns (`senderOf`, config/ownership.ts): an address, or a domain
   * with its MAIL FROM label, zone and DMARC record, so that no two environments of the app own one.
   */
  readonly sender: Sender;
}

/** Addressed as the events stack declared it: `ses-*`, `mail-domain` resources and `mail-feedback-topic`. */
export class MailSending extends Construct {
  /** The From address. */
  public readonly sender: string;
  /** What SES verifies: the sender's domain or address. */
  public readonly identity: string;
  public readonly identityArn: string;
  public readonly configurationSetName: string;
  public readonly configurationSetArn: string;
  /** Hard bounces and complaints, for the function that marks the subscribers. */
  public readonly feedbackTopicArn: string;

  constructor(scope: Construct, id: string, props: MailSendingProps) {
    super(scope, id);
    // The events stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const context = StackContext.of(this);
    const { names, region, accountId } = context;
    this.sender = props.sender.address;
    const sender = props.sender.identity;
    if (sender.kind === "domain") {
      const { domain, hostedZoneId: zoneId } = sender;
      // The DMARC record only where this environment owns the domain's policy (config/ownership.ts).
      const mail = new MailDomain(this, "mail-domain", { ...sender, region });
      if (zoneId === undefined) {
        new TerraformOutput(this, "ses_dns_records", {
          value: mail.records,
          description:
            `DNS records to create in the zone of ${domain} (name, type, value each; MX values carry their priority) ` +
            "so that SES verifies the domain (DKIM CNAMEs), sends from its MAIL FROM domain (MX, SPF) and receivers " +
            "apply its DMARC policy",
          sensitive: false,
        });
      }
      this.identity = domain;
    } else {
      new SesEmailIdentity(this, "ses-address", { email: sender.email });
      this.identity = sender.email;
    }
    this.identityArn = `arn:aws:ses:${region}:${accountId}:identity/${this.identity}`;

    const configurationSet = new SesConfigurationSet(this, "ses-configuration-set", {
      name: sesConfigurationSetName(names),
      deliveryOptions: { tlsPolicy: "Require" },
      reputationMetricsEnabled: true,
    });
    this.configurationSetName = configurationSet.name;
    this.configurationSetArn = configurationSet.arn;
    const feedbackTopic = new SnsTopic(this, "mail-feedback-topic", {
      name: names.resource("mail-feedback", 256),
      kmsMasterKeyId: context.kmsKeyArn,
    });
    new SnsTopicPolicy(this, "mail-feedback-topic-policy", {
      arn: feedbackTopic.arn,
      policy: policyDocument([sesPublishes(feedbackTopic.arn, configurationSet.arn, accountId)]),
    });
    this.feedbackTopicArn = feedbackTopic.arn;
    // The ops topic's policy (network layer) admits this configuration set by its ARN, as does the key's.
    for (const [destination, topicArn] of [
      ["ses-feedback-to-ops", context.opsTopicArn],
      ["ses-feedback-to-subscribers", feedbackTopic.arn],
    ] as const) {
      new SesEventDestination(this, destination, {
        name: destination,
        configurationSetName: configurationSet.name,
        enabled: true,
        matchingTypes: ["bounce", "complaint"],
        snsDestination: { topicArn },
      });
    }
    sesReputationAlarms(this, "ses");
  }

  /** `ses:SendEmail` as this identity with this configuration set, under the statement id `sid`. */
  sendGrant(sid: string): Grant {
    return {
      statement: {
        Sid: sid,
        Effect: "Allow",
        Action: ["ses:SendEmail"],
        Resource: [this.identityArn, this.configurationSetArn],
      },
    };
  }
}
