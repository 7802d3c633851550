/**
 * One Lambda function the way this project wants all of them: real bundled code from
 * `handlers/<name>/index.ts`, the newest Node.js runtime on arm64, X-Ray tracing, a log group with
 * retention created before the function, and a role that holds only what the `grant*`/`bind*` helpers add.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, Lazy, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { bundleHandler, type HandlerBundle } from "./bundle";
import { assumeRolePolicy, policyDocument, type PolicyStatement } from "./iam";
import { acceptNodeFunctionExceptions } from "./node-function-exceptions";

/** Newest Node.js runtime Lambda offers (AWS provider 6.x knows it). */
export const NODE_RUNTIME = "nodejs24.x";

export interface NodeFunctionProps {
  /** Directory under `handlers/` holding `index.ts` that exports `handler`. */
  readonly handler: string;
  /** Function name; also names the role and the log group. */
  readonly functionName: string;
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** Seconds. @default 10 */
  readonly timeout?: number;
  /** CloudWatch Logs retention in days (one of the values CloudWatch accepts). */
  readonly logRetentionDays: number;
  /** KMS key that encrypts the log group (its key policy must allow CloudWatch Logs). */
  readonly logKmsKeyArn: string;
  /** Environment variables known up front; `addEnvironment` and the bind helpers add more. */
  readonly environment?: Record<string, string>;
  /** Caps concurrency where a runaway would hurt a downstream (database, SES quota). @default no cap */
  readonly reservedConcurrency?: number;
  /** Only for functions that must reach resources inside the VPC (≥ 2 private subnets). @default outside the VPC */
  readonly vpc?: { readonly subnetIds: string[]; readonly securityGroupIds: string[] };
}

export class NodeFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly bundle: HandlerBundle;
  private readonly statements: PolicyStatement[] = [];
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    if (props.vpc && props.vpc.subnetIds.length < 2) {
      throw new Error(`${props.functionName}: a function in a VPC needs at least 2 subnets (one per AZ)`);
    }
    this.environment = { POWERTOOLS_SERVICE_NAME: props.handler, LOG_LEVEL: "INFO", ...props.environment };

    this.bundle = bundleHandler(props.handler);
    const asset = new TerraformAsset(this, "code", {
      path: this.bundle.zipPath,
      type: AssetType.FILE,
      // The zip is deterministic: its own hash keeps the asset path stable across machines.
      assetHash: Buffer.from(this.bundle.sourceCodeHash, "base64").toString("hex").slice(0, 32),
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKmsKeyArn,
    });

    this.role = new IamRole(this, "role", {
      name: `${props.functionName}-fn`,
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
    });
    this.addToRolePolicy({
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${this.logGroup.arn}:*`,
    });
    this.addToRolePolicy({
      Sid: "Tracing",
      // X-Ray accepts no resource-level permissions for these two actions.
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      Resource: "*",
    });
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
    if (props.vpc) {
      // ENI management for VPC functions; AWS's managed policy is the least privilege that works.
      new IamRolePolicyAttachment(this, "vpc-access", {
        role: this.role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
      });
    }

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: NODE_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: this.bundle.sourceCodeHash,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? 10,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: { variables: Lazy.anyValue({ produce: () => ({ ...this.environment }) }) as never },
      vpcConfig: props.vpc
        ? { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds }
        : undefined,
      dependsOn: [this.logGroup],
    });
    acceptNodeFunctionExceptions(this.function, this.logGroup, {
      inVpc: props.vpc !== undefined,
      logRetentionDays: props.logRetentionDays,
    });
  }

  get functionName(): string {
    return this.function.functionName;
  }

  get arn(): string {
    return this.function.arn;
  }

  addEnvironment(key: string, value: string): this {
    this.environment[key] = value;
    return this;
  }

  addToRolePolicy(statement: PolicyStatement): this {
    this.statements.push(statement);
    return this;
  }

  /** Grants actions on a DynamoDB table and tells the code its name, in one step. */
  bindTable(envVar: string, table: { name: string; arn: string }, actions: string[]): this {
    this.addEnvironment(envVar, table.name);
    return this.addToRolePolicy({
      Sid: sid(envVar),
      Effect: "Allow",
      Action: actions.map((a) => `dynamodb:${a}`),
      Resource: [table.arn, `${table.arn}/index/*`],
    });
  }

  /** Grants object actions under one key prefix of a bucket and sets the bucket name variable. */
  bindBucket(envVar: string, bucket: { name: string; arn: string }, prefix: string, actions: string[]): this {
    this.addEnvironment(envVar, bucket.name);
    return this.addToRolePolicy({
      Sid: sid(envVar),
      Effect: "Allow",
      Action: actions.map((a) => `s3:${a}`),
      Resource: `${bucket.arn}/${prefix}*`,
    });
  }

  /** Use of the customer-managed key that encrypts the data this function reads or writes. */
  grantKeyUse(keyArn: string, actions: string[] = ["kms:Decrypt", "kms:GenerateDataKey"]): this {
    return this.addToRolePolicy({ Sid: "UseDataKey", Effect: "Allow", Action: actions, Resource: keyArn });
  }
}

/** Statement ids must be alphanumeric. */
function sid(envVar: string): string {
  return envVar
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
