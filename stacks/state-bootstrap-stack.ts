/**
 * Creates the S3 bucket (and, for older Terraform, the DynamoDB lock table) that the S3 backend keeps
 * the other stacks' state in. It keeps its own state locally: it must exist before the backend does.
 * Deploy it once: `npx cdktf deploy <app>-state-bootstrap`, then set BLOG_BACKEND=s3 and the bucket name.
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, LocalBackend, TerraformLocal, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import type { BlogConfig } from "../config/schema";
import { policyDocument } from "../lib/iam";
import { SecureBucket } from "../lib/secure-bucket";
import { TagsAspect } from "../lib/tags";

export class StateBootstrapStack extends TerraformStack {
  constructor(scope: Construct, config: BlogConfig) {
    const name = `${config.appName}-state-bootstrap`;
    super(scope, name);
    const backend = config.backend.type === "s3" ? config.backend : undefined;
    new AwsProvider(this, "aws", { region: backend?.region ?? config.region });
    new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });
    Aspects.of(this).add(
      new TagsAspect({
        ...config.tags,
        app: config.appName,
        env: "shared",
        layer: "state",
        "managed-by": "cdktf",
      }),
    );
    new TerraformLocal(this, "stack_facts", {
      app: config.appName,
      environment: "shared",
      layer: "state",
      production: true,
    });

    const key = new KmsKey(this, "state-key", {
      description: `${config.appName}: Terraform state`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // AWS's default key policy, written out so that review sees it (CKV2_AWS_64): IAM policies decide.
      policy: policyDocument([
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${new DataAwsCallerIdentity(this, "account").accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ]),
    });
    const state = new SecureBucket(this, "state", {
      bucketPrefix: `${config.appName}-tfstate-`,
      kmsKeyArn: key.arn,
      lifecycle: { ruleId: "keep-90-days-of-history", noncurrentVersionDays: 90 },
    });
    // A configured bucket name is used as is, so the backend and the bootstrap agree.
    if (backend) {
      state.bucket.resetBucketPrefix();
      state.bucket.bucket = backend.bucket;
    }
    state.bucket.lifecycle = { preventDestroy: true };
    suppress(
      state.bucket,
      "CKV_AWS_18",
      "State bucket of the bootstrap: it exists before any access-log bucket; enable CloudTrail S3 data events on it to audit access",
    );
    suppress(
      state.bucket,
      "CKV_AWS_144",
      "Versioned, with 90 days of history; replicating state to a second region is the owning team's DR decision",
    );
    suppress(
      state.bucket,
      "CKV2_AWS_62",
      "Only Terraform reads and writes state; CloudTrail data events audit it",
    );

    if (backend?.dynamodbTable) {
      new DynamodbTable(this, "lock-table", {
        name: backend.dynamodbTable,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "LockID",
        attribute: [{ name: "LockID", type: "S" }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
        deletionProtectionEnabled: true,
      });
    }
    new TerraformOutput(this, "state_bucket", {
      value: state.name,
      description: "Set BLOG_STATE_BUCKET to this",
    });
  }
}
