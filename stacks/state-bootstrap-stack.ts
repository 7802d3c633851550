/**
 * Creates the S3 bucket (and, for older Terraform, the DynamoDB lock table) that the S3 backend keeps the other
 * stacks' state in: one for the whole app (`<app>-state-bootstrap`), and one per environment account
 * (`<app>-state-bootstrap-<account id>`) whose bucket policy admits only that account's roles. It keeps its own
 * state locally: it must exist before the backend does. Deploy it once with credentials of the account that is to
 * hold the bucket: `npx cdktf deploy <stack>`, then point the backend at the bucket.
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, LocalBackend, TerraformLocal, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import type { AccountConfig, BackendConfig, BlogConfig } from "../config/schema";
import { stateRoleArn } from "../lib/backend";
import { policyDocument, type PolicyStatement } from "../lib/iam";
import { SecureBucket } from "../lib/secure-bucket";
import { TagsAspect } from "../lib/tags";

/** The environments of one account whose state the bucket holds, and the roles that may reach it. */
export interface StateAccount {
  readonly account: AccountConfig;
  /** Environment names: their state keys are `<keyPrefix>/<env>/…`. */
  readonly environments: readonly string[];
}

export interface StateBootstrapProps {
  readonly config: BlogConfig;
  /** The backend whose bucket (and lock table) this creates. @default config.backend */
  readonly backend?: BackendConfig;
  /** Create the bucket for this account's environments only, admitting only its roles. @default the whole app */
  readonly stateAccount?: StateAccount;
}

/** What the state needs, by who asks: the state role writes it, the plan role reads it and holds the lock. */
const STATE_READ_WRITE = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
const LOCK_OBJECT = ["s3:PutObject", "s3:DeleteObject"];
const KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"];

export class StateBootstrapStack extends TerraformStack {
  constructor(scope: Construct, { config, backend: backendConfig, stateAccount }: StateBootstrapProps) {
    const name = `${config.appName}-state-bootstrap${stateAccount ? `-${stateAccount.account.id}` : ""}`;
    super(scope, name);
    const chosen = backendConfig ?? config.backend;
    const backend = chosen.type === "s3" ? chosen : undefined;
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

    const holder = new DataAwsCallerIdentity(this, "account").accountId;
    const roles = stateAccount ? accountRoles(stateAccount, backend) : undefined;
    const key = new KmsKey(this, "state-key", {
      description: `${config.appName}: Terraform state${stateAccount ? ` of account ${stateAccount.account.id}` : ""}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // AWS's default key policy, written out so that review sees it (CKV2_AWS_64): IAM policies decide.
      policy: policyDocument([
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${holder}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        // The environment's roles may live in another account than the bucket (a tooling account holds state).
        ...(roles && roles.all.length > 0
          ? [
              {
                Sid: "EnvironmentRolesUseKeyForState",
                Effect: "Allow" as const,
                Principal: { AWS: roles.all },
                Action: KEY_USE,
                Resource: "*",
              },
            ]
          : []),
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
    if (stateAccount && roles) {
      const keyPrefix = backend?.keyPrefix ?? config.appName;
      const objects = stateAccount.environments.map((env) => `${state.arn}/${keyPrefix}/${env}/*`);
      for (const statement of stateAccessStatements(
        state.arn,
        objects,
        roles,
        holder,
        stateAccount.account.id,
      ))
        state.addToResourcePolicy(statement);
    }
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
      description: stateAccount
        ? `Set environments.<env>.backend.bucket of ${stateAccount.environments.join(", ")} to this`
        : "Set BLOG_STATE_BUCKET to this",
    });
  }
}

interface AccountRoles {
  /** Read and write state: the backend's role (the deploy role unless a state role is set) and the deploy role. */
  readonly writers: string[];
  /** Read state and hold the lock while planning. */
  readonly readers: string[];
  readonly all: string[];
}

function accountRoles(
  { account }: StateAccount,
  backend: Extract<BackendConfig, { type: "s3" }> | undefined,
) {
  const unique = (arns: (string | undefined)[]) =>
    [...new Set(arns.filter((a): a is string => a !== undefined))].sort();
  const writers = unique([account.deployRoleArn, backend ? stateRoleArn(backend, account) : undefined]);
  const readers = unique([account.planRoleArn]).filter((arn) => !writers.includes(arn));
  return { writers, readers, all: unique([...writers, ...readers]) };
}

/** The bucket policy of one account's state: its roles get what they need, other accounts get nothing. */
function stateAccessStatements(
  bucketArn: string,
  objects: string[],
  roles: AccountRoles,
  holder: string,
  environmentAccount: string,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (roles.all.length > 0)
    statements.push({
      Sid: "EnvironmentRolesListState",
      Effect: "Allow",
      Principal: { AWS: roles.all },
      Action: "s3:ListBucket",
      Resource: bucketArn,
    });
  if (roles.writers.length > 0)
    statements.push({
      Sid: "StateRolesReadAndWriteState",
      Effect: "Allow",
      Principal: { AWS: roles.writers },
      Action: STATE_READ_WRITE,
      Resource: objects,
    });
  if (roles.readers.length > 0)
    statements.push(
      {
        Sid: "PlanRoleReadsState",
        Effect: "Allow",
        Principal: { AWS: roles.readers },
        Action: "s3:GetObject",
        Resource: objects,
      },
      {
        Sid: "PlanRoleHoldsTheLock",
        Effect: "Allow",
        Principal: { AWS: roles.readers },
        Action: LOCK_OBJECT,
        Resource: objects.map((o) => `${o.slice(0, -1)}*.tflock`),
      },
    );
  // Nobody outside the holding account gets in but these roles; without roles, the environment's account may.
  statements.push({
    Sid: "OnlyThisAccountsRoles",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: {
      StringNotEquals: {
        "aws:PrincipalAccount": roles.all.length > 0 ? [holder] : [holder, environmentAccount],
      },
      ...(roles.all.length > 0 ? { ArnNotEquals: { "aws:PrincipalArn": roles.all } } : {}),
    },
  });
  return statements;
}
