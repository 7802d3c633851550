/**
 * An S3 bucket with the project's defaults already on: all four public-access blocks, bucket-owner-enforced
 * ownership, default encryption (KMS unless a service that writes into it cannot use KMS), versioning,
 * access logging, a TLS-only bucket policy and a bucket-wide lifecycle rule (noncurrent versions expire,
 * incomplete multipart uploads are aborted). Callers add statements, further lifecycle rules and CORS.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketCorsConfiguration,
  type S3BucketCorsConfigurationCorsRule,
} from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration";
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA as S3BucketLogging } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "./iam";

/** The bucket-wide lifecycle rule every bucket gets; each field overridable. */
export interface BucketLifecycle {
  /** Id of the rule. @default "expire-old-versions" */
  readonly ruleId?: string;
  /** Days a noncurrent version is kept; `false` where `lifecycleRules` expire versions per prefix. @default 30 */
  readonly noncurrentVersionDays?: number | false;
  /** Days after which an incomplete multipart upload (billed, never visible) is aborted. @default 1 */
  readonly abortIncompleteUploadDays?: number;
  /** Expire current objects too, after this many days (logs). @default never */
  readonly expireAfterDays?: number;
}

export interface SecureBucketProps {
  /** `bucket_prefix`: AWS appends a unique suffix, so names never collide across accounts. */
  readonly bucketPrefix: string;
  /** Customer-managed key for SSE-KMS. @default SSE-S3 (AES256), for targets of services that cannot use KMS */
  readonly kmsKeyArn?: string;
  /** Where S3 server access logs go. @default no access logging (only for the log bucket itself) */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
  /**
   * Object ownership. @default "BucketOwnerEnforced" (ACLs disabled). "BucketOwnerPreferred" only for
   * the log bucket that CloudFront standard logging writes to with an ACL.
   */
  readonly objectOwnership?: "BucketOwnerEnforced" | "BucketOwnerPreferred";
  /** The bucket-wide rule. @default noncurrent versions kept 30 days, incomplete uploads aborted after 1 */
  readonly lifecycle?: BucketLifecycle;
  /** Rules of particular prefixes, before the bucket-wide one. @default none */
  readonly lifecycleRules?: S3BucketLifecycleConfigurationRule[];
  readonly corsRules?: S3BucketCorsConfigurationCorsRule[];
  /**
   * Create the bucket policy here. Set to false when another stack owns the policy because it needs a
   * value created later (the CloudFront distribution ARN); that stack must start it with `tlsOnlyStatement`.
   * @default true
   */
  readonly managePolicy?: boolean;
  /** @default false; true only where a `terraform destroy` of an environment should empty the bucket */
  readonly forceDestroy?: boolean;
}

export class SecureBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly publicAccessBlock: S3BucketPublicAccessBlock;
  public readonly ownershipControls: S3BucketOwnershipControls;
  /** The bucket policy, when this construct manages it (`managePolicy`). */
  public readonly policy?: S3BucketPolicy;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucketPrefix: props.bucketPrefix,
      forceDestroy: props.forceDestroy ?? false,
    });
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.ownershipControls = new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: props.objectOwnership ?? "BucketOwnerEnforced" },
    });
    new S3BucketServerSideEncryptionConfiguration(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        props.kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: props.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    new S3BucketVersioning(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    if (props.accessLogs) {
      new S3BucketLogging(this, "logging", {
        bucket: this.bucket.id,
        targetBucket: props.accessLogs.bucket,
        targetPrefix: props.accessLogs.prefix,
      });
    }
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [...(props.lifecycleRules ?? []), bucketWideRule(props.lifecycle ?? {})],
    });
    if (props.corsRules?.length) {
      new S3BucketCorsConfiguration(this, "cors", { bucket: this.bucket.id, corsRule: props.corsRules });
    }
    if (props.managePolicy ?? true) {
      this.statements.push(this.tlsOnlyStatement());
      this.policy = new S3BucketPolicy(this, "policy", {
        bucket: this.bucket.id,
        policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
        // A policy put before the public access block exists could be judged public and refused.
        dependsOn: [this.publicAccessBlock],
      });
    }
  }

  get name(): string {
    return this.bucket.bucket;
  }

  get arn(): string {
    return this.bucket.arn;
  }

  tlsOnlyStatement(): PolicyStatement {
    return denyInsecureTransport([this.bucket.arn, `${this.bucket.arn}/*`]);
  }

  addToResourcePolicy(statement: PolicyStatement): this {
    this.statements.push(statement);
    return this;
  }
}

function bucketWideRule(lifecycle: BucketLifecycle): S3BucketLifecycleConfigurationRule {
  const noncurrentDays = lifecycle.noncurrentVersionDays ?? 30;
  return {
    id: lifecycle.ruleId ?? "expire-old-versions",
    status: "Enabled",
    filter: [{ prefix: "" }],
    expiration: lifecycle.expireAfterDays === undefined ? undefined : [{ days: lifecycle.expireAfterDays }],
    noncurrentVersionExpiration: noncurrentDays === false ? undefined : [{ noncurrentDays }],
    abortIncompleteMultipartUpload: [{ daysAfterInitiation: lifecycle.abortIncompleteUploadDays ?? 1 }],
  };
}
