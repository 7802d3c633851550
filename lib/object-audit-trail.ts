/**
 * Object-level audit logs (`audit.objectLevelLogging`): a CloudTrail trail of S3 data events on the app's buckets,
 * delivered to a bucket of its own under the environment's key, with log file validation. Writes by default; reads
 * too with `audit.logReads`. It costs per event, unlike the server access logs every bucket already writes
 * (docs/cost.md). The trail's own bucket is not among the buckets it logs (a trail logging its delivery would log
 * itself without end).
 */
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import type { EnvironmentConfig } from "../config/schema";
import type { PolicyStatement } from "./iam";
import type { Names } from "./naming";
import { SecureBucket } from "./secure-bucket";
import { StackContext } from "./stack-context";
import { deletesDataOnDestroy } from "./teardown";

/** The trail's name: the network stack's key policy names it before the trail exists (one region, one account). */
export const objectAuditTrailName = (names: Names): string => names.resource("object-audit", 128);

const trailArn = (region: string, accountId: string, name: string) =>
  `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;

/**
 * What the environment's key policy must allow for the trail to encrypt its log files (CloudTrail's guide, "Configure
 * AWS KMS key policies for CloudTrail"): data keys for this trail only, and a look at the key when it is set.
 */
export function cloudTrailKeyStatements(
  region: string,
  accountId: string,
  trailName: string,
): PolicyStatement[] {
  const sourceArn = { "aws:SourceArn": trailArn(region, accountId, trailName) };
  return [
    {
      Sid: "CloudTrailEncryptsObjectAuditLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringEquals: sourceArn,
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${accountId}:trail/*`,
        },
      },
    },
    {
      Sid: "CloudTrailDescribesKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
      Condition: { StringEquals: sourceArn },
    },
  ];
}

export interface ObjectAuditTrailProps {
  readonly names: Names;
  readonly settings: EnvironmentConfig["audit"];
  readonly production: boolean;
  readonly region: string;
  readonly accountId: string;
  readonly kmsKeyArn: string;
  readonly accessLogBucketName: string;
  /** ARNs of the buckets whose object calls are logged. */
  readonly bucketArns: readonly string[];
}

export class ObjectAuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: SecureBucket;

  constructor(scope: Construct, id: string, props: ObjectAuditTrailProps) {
    super(scope, id);
    const { names, settings } = props;
    const name = objectAuditTrailName(names);
    const sourceArn = { "aws:SourceArn": trailArn(props.region, props.accountId, name) };
    this.bucket = new SecureBucket(this, "logs", {
      bucketPrefix: names.bucketPrefix("object-audit"),
      kmsKeyArn: props.kmsKeyArn,
      accessLogs: { bucket: props.accessLogBucketName, prefix: `s3/${names.resource("object-audit")}/` },
      lifecycle: { ruleId: "expire-audit-logs", expireAfterDays: settings.retentionDays },
      forceDestroy: deletesDataOnDestroy(StackContext.of(this).env),
    });
    // CloudTrail's documented bucket policy, for this trail only.
    this.bucket
      .addToResourcePolicy({
        Sid: "CloudTrailChecksBucketAcl",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Resource: this.bucket.arn,
        Condition: { StringEquals: sourceArn },
      })
      .addToResourcePolicy({
        Sid: "CloudTrailDeliversLogFiles",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${this.bucket.arn}/AWSLogs/${props.accountId}/*`,
        Condition: { StringEquals: { ...sourceArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
      });
    suppress(
      this.bucket.bucket,
      "CKV_AWS_144",
      "Audit log files of a one-region app; the trail validates them",
    );
    suppress(this.bucket.bucket, "CKV2_AWS_62", "CloudTrail writes it and nothing reacts to new log files");

    this.trail = new Cloudtrail(this, "trail", {
      name,
      s3BucketName: this.bucket.name,
      kmsKeyId: props.kmsKeyArn,
      enableLogFileValidation: true,
      isMultiRegionTrail: settings.multiRegion,
      // A multi-region trail must include them; they are management events, which this trail's selectors exclude.
      includeGlobalServiceEvents: settings.multiRegion,
      advancedEventSelector: [
        {
          name: settings.logReads ? "Object reads and writes" : "Object writes",
          fieldSelector: [
            { field: "eventCategory", equalTo: ["Data"] },
            { field: "resources.type", equalTo: ["AWS::S3::Object"] },
            ...(settings.logReads ? [] : [{ field: "readOnly", equalTo: ["false"] }]),
            { field: "resources.ARN", startsWith: props.bucketArns.map((arn) => `${arn}/`) },
          ],
        },
      ],
      // CloudTrail checks that it may write before it creates the trail.
      dependsOn: [this.bucket.policy!],
    });
    if (!settings.multiRegion)
      suppress(
        this.trail,
        "CKV_AWS_67",
        "The app's buckets are in its one region, where their data events are recorded (audit.multiRegion widens it)",
      );
    suppress(
      this.trail,
      "CKV_AWS_252",
      "Nothing reacts to each delivered log file; the files are read when an object's history is wanted",
    );
    suppress(
      this.trail,
      "CKV2_AWS_10",
      "Object events go to S3 only: CloudWatch Logs would charge ingestion ($0.50 per GB) for every object call again",
    );
  }
}
