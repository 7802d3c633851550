/**
 * The distribution's WAF web ACL (AWS's common and known-bad-inputs rule groups, a per-address rate limit) and its
 * logs. A CloudFront web ACL lives in us-east-1, and so does the log group it writes to.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { keepAddresses } from "./addressing";
import { acceptRetentionBelowAYear } from "./log-retention";

export interface EdgeWebAclProps {
  /** The web ACL's name (`Names.global`: WAF for CloudFront names once per account); its log group adds a prefix. */
  readonly name: string;
  /** Name of the web ACL's own CloudWatch metric. */
  readonly metricName: string;
  /** Days the WAF logs are kept (`logRetentionDays`). */
  readonly logRetentionDays: number;
  /** The us-east-1 provider. */
  readonly provider: AwsProvider;
}

/** Requests per five minutes from one address before the rate rule blocks it. */
const RATE_LIMIT_PER_IP = 2000;

export class EdgeWebAcl extends Construct {
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: EdgeWebAclProps) {
    super(scope, id);
    // The edge stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { provider } = props;
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      // `statement` is untyped in the provider bindings and passed through as written: Terraform's own names.
      statement: { managed_rule_group_statement: { vendor_name: "AWS", name } },
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
    });
    const acl = new Wafv2WebAcl(this, "waf", {
      provider,
      name: props.name,
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      rule: [
        managed("AWSManagedRulesCommonRuleSet", 1),
        managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
        {
          name: "rate-limit-per-ip",
          priority: 3,
          action: { block: {} },
          statement: { rate_based_statement: { limit: RATE_LIMIT_PER_IP, aggregate_key_type: "IP" } },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: "rate-limit",
            sampledRequestsEnabled: true,
          },
        },
      ],
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: props.metricName,
        sampledRequestsEnabled: true,
      },
    });
    // WAF logs to CloudWatch only into a group named aws-waf-logs-*, in the web ACL's region.
    const logs = new CloudwatchLogGroup(this, "waf-logs", {
      provider,
      name: `aws-waf-logs-${props.name}`,
      retentionInDays: props.logRetentionDays,
    });
    suppress(
      logs,
      "CKV_AWS_158",
      "The WAF log group must be in us-east-1 with the web ACL; the customer-managed key lives in the app's region, so CloudWatch Logs encrypts it with its service key",
    );
    acceptRetentionBelowAYear(logs, props.logRetentionDays, "logRetentionDays");
    new Wafv2WebAclLoggingConfiguration(this, "waf-logging", {
      provider,
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.arn],
    });
    this.arn = acl.arn;
  }
}
