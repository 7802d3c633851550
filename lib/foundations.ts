/**
 * The shared foundations of one environment that every layer uses: the customer-managed KMS key (and the key
 * policy that lets CloudWatch Logs, S3, SNS, SES and CloudFront use it), the access-log bucket and the ops alarm topic.
 */
import { DataAwsCanonicalUserId } from "@cdktf/provider-aws/lib/data-aws-canonical-user-id";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3BucketAcl } from "@cdktf/provider-aws/lib/s3-bucket-acl";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import type { AlarmSubscription } from "../config/schema";
import { keepAddresses } from "./addressing";
import { alarmTopic } from "./alarm-topic";
import { policyDocument } from "./iam";
import type { Names } from "./naming";
import { cloudTrailKeyStatements } from "./object-audit-trail";
import { sesConfigurationSetArn } from "./ses-names";
import { SecureBucket } from "./secure-bucket";
import { StackContext } from "./stack-context";
import { deletesDataOnDestroy } from "./teardown";

/** Canonical user of CloudFront's log delivery (awslogsdelivery), which writes standard logs with an ACL. */
const CLOUDFRONT_LOG_DELIVERY_CANONICAL_ID =
  "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0";

export interface FoundationsProps {
  readonly names: Names;
  readonly region: string;
  readonly accountId: string;
  /** Production keeps a deleted key 30 days, other environments 7. */
  readonly production: boolean;
  /** Addresses subscribed to the ops topic (each confirms by e-mail). @default none */
  readonly alarmEmails?: readonly string[];
  /** `alarmTopicSubscriptions`: e-mail and HTTPS endpoints subscribe to the ops topic. @default none */
  readonly alarmSubscriptions?: readonly AlarmSubscription[];
  /** With `audit.objectLevelLogging`: the trail that encrypts its log files with the key. @default none */
  readonly objectAuditTrailName?: string;
}

export class Foundations extends Construct {
  public readonly key: KmsKey;
  public readonly accessLogs: SecureBucket;
  public readonly opsTopic: SnsTopic;

  constructor(scope: Construct, id: string, props: FoundationsProps) {
    super(scope, id);
    // The network stack declared these resources itself before this construct existed.
    keepAddresses(this);
    this.key = this.createKey(props);
    this.accessLogs = this.createAccessLogBucket(props);
    this.opsTopic = this.createOpsTopic(props);
  }

  private createKey({
    names,
    region,
    accountId: account,
    production,
    objectAuditTrailName,
  }: FoundationsProps): KmsKey {
    const key = new KmsKey(this, "key", {
      description: `${names.resource("data")}: data, logs, topics and queues`,
      enableKeyRotation: true,
      deletionWindowInDays: production ? 30 : 7,
      policy: policyDocument([
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "CloudWatchLogsEncryptsLogGroups",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          // Not kms:Describe* (as the Logs guide's example has it): DescribeKey carries no encryption context,
          // so under this condition it was never allowed.
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: {
            ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:*` },
          },
        },
        {
          Sid: "ServicesPublishToEncryptedTopicsAndQueues",
          Effect: "Allow",
          Principal: { Service: ["s3.amazonaws.com", "cloudwatch.amazonaws.com", "sns.amazonaws.com"] },
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": account } },
        },
        {
          // SES encrypts the bounce and complaint events it publishes to the (encrypted) ops and feedback topics.
          Sid: "SesPublishesToEncryptedTopics",
          Effect: "Allow",
          Principal: { Service: "ses.amazonaws.com" },
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: { "aws:SourceArn": sesConfigurationSetArn(names, region, account) },
          },
        },
        {
          Sid: "CloudFrontReadsEncryptedObjects",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: ["kms:Decrypt"],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: { "aws:SourceArn": `arn:aws:cloudfront::${account}:distribution/*` },
          },
        },
        ...(objectAuditTrailName ? cloudTrailKeyStatements(region, account, objectAuditTrailName) : []),
      ]),
    });
    new KmsAlias(this, "key-alias", { name: `alias/${names.resource("data")}`, targetKeyId: key.keyId });
    return key;
  }

  /**
   * One bucket for S3 server access logs and CloudFront standard logs. CloudFront delivers with an ACL and
   * cannot write SSE-KMS objects, hence the two documented exceptions below.
   */
  private createAccessLogBucket({ names, accountId }: FoundationsProps): SecureBucket {
    const logs = new SecureBucket(this, "access-logs", {
      bucketPrefix: names.bucketPrefix("access-logs"),
      objectOwnership: "BucketOwnerPreferred",
      lifecycle: { ruleId: "expire-logs", expireAfterDays: 365 },
      // Access logs of the environment's own buckets: a teardown deletes them with it (lib/teardown.ts).
      forceDestroy: deletesDataOnDestroy(StackContext.of(this).env),
    });
    logs.addToResourcePolicy({
      Sid: "S3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${logs.arn}/s3/*`,
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
    const owner = new DataAwsCanonicalUserId(this, "canonical-user").id;
    new S3BucketAcl(this, "access-logs-acl", {
      bucket: logs.bucket.id,
      accessControlPolicy: {
        owner: { id: owner },
        grant: [
          { grantee: { type: "CanonicalUser", id: owner }, permission: "FULL_CONTROL" },
          {
            grantee: { type: "CanonicalUser", id: CLOUDFRONT_LOG_DELIVERY_CANONICAL_ID },
            permission: "FULL_CONTROL",
          },
        ],
      },
    });
    const withAcl =
      "CloudFront standard logging delivers log files with an ACL, so ACLs stay enabled on the log bucket only";
    // Checkov reports CKV2_AWS_65 on the ownership controls, not on the bucket.
    suppress(logs.ownershipControls, "CKV2_AWS_65", withAcl);
    suppress(
      logs.bucket,
      "CKV_AWS_145",
      "CloudFront standard logging cannot write SSE-KMS objects; the log bucket uses SSE-S3",
    );
    suppress(logs.bucket, "CKV_AWS_18", "This is the access-log bucket; logging it into itself would loop");
    suppress(
      logs.bucket,
      "CKV_AWS_144",
      "Access logs of a one-region app, kept a year; a replica is a DR choice this app does not make",
    );
    suppress(logs.bucket, "CKV2_AWS_62", "Log delivery writes it and nothing reacts to new log files");
    return logs;
  }

  private createOpsTopic({
    names,
    region,
    accountId,
    alarmEmails,
    alarmSubscriptions,
  }: FoundationsProps): SnsTopic {
    return alarmTopic(this, "ops", {
      // Bounces and complaints reach operations as they happen (the SES reputation alarms page on their rates).
      sesConfigurationSetArn: sesConfigurationSetArn(names, region, accountId),
      name: names.resource("ops-alarms", 256),
      kmsKeyArn: this.key.arn,
      accountId,
      emails: alarmEmails,
      subscriptions: alarmSubscriptions,
    });
  }
}
