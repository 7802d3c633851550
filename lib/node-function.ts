/**
 * One Lambda function the way this project wants all of them: real bundled code from
 * `handlers/<name>/index.ts`, the newest Node.js runtime on arm64, X-Ray tracing, a log group with the stack's
 * retention and key created before the function, names from the stack (lib/stack-context.ts), an environment typed by
 * the handler's schema, and a role that holds only what its bindings and grants add, with the keys they need.
 */
import { FUNCTIONS } from "../shared/contracts/functions";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, Lazy, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { bundleHandler, type HandlerBundle } from "./bundle";
import type { FunctionEnvironment, FunctionVariable, HandlerName } from "./function-environment";
import { LIVE_ALIAS } from "../shared/release-targets";
import { assumeRolePolicy, policyDocument, type PolicyStatement } from "./iam";
import { acceptNodeFunctionExceptions } from "./node-function-exceptions";
import { reservedConcurrency, type ConcurrencyInputs } from "../config/concurrency";
import type { EnvValue, Grant, KeyUse } from "./function-grants";
import { releasedBy } from "./release";
import { StackContext } from "./stack-context";

/** Newest Node.js runtime Lambda offers (AWS provider 6.x knows it). */
export const NODE_RUNTIME = "nodejs24.x";

export interface NodeFunctionProps<H extends HandlerName> {
  /** Directory under `handlers/` holding `index.ts` that exports `handler`; it also picks the environment's type. */
  readonly handler: H;
  readonly description: string;
  /** @default the handler's, shared/contracts/functions.ts */
  readonly memorySize?: number;
  /** Seconds. @default the handler's, shared/contracts/functions.ts */
  readonly timeout?: number;
  /**
   * The variables of the handler's schema (`handlers/<name>/config.ts`): a missing required one or an undeclared
   * one is a compile error. `POWERTOOLS_SERVICE_NAME` and `LOG_LEVEL` are set unless given.
   */
  readonly environment: FunctionEnvironment<H, EnvValue>;
  /** Statements the role is given with its bindings, before the use of their keys. @default none */
  readonly grants?: readonly Grant[];
  /**
   * Caps concurrency where a runaway would hurt a downstream (database, SES quota).
   * @default the handler's share in config/concurrency.ts, no cap for a handler without one
   */
  readonly reservedConcurrency?: number;
  /** Only for functions that must reach resources inside the VPC (≥ 2 private subnets). @default outside the VPC */
  readonly vpc?: Pick<FunctionVpc, "subnetIds" | "securityGroupIds">;
  /**
   * Who moves the `live` alias to a newly published version: Terraform, at once in the apply that publishes it
   * ("terraform": a function that serves no traffic, like the migration, or any function of an all-at-once
   * environment), or CodeDeploy by the environment's preset ("codedeploy", from the same apply: lib/release.ts;
   * Terraform then leaves the alias where CodeDeploy put it).
   * @default by the environment's release settings (`releasedBy`, lib/release.ts)
   */
  readonly release?: "terraform" | "codedeploy";
}

export interface FunctionVpc {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly region: string;
  readonly accountId: string;
}

/**
 * What Lambda needs to create and manage a VPC function's network interfaces (AWS Lambda Developer Guide,
 * "Giving Lambda functions access to resources in an Amazon VPC"), in place of the managed
 * AWSLambdaVPCAccessExecutionRole, which grants these and `ec2:DescribeSubnets`, `logs:CreateLogGroup` on `*`.
 * - `ec2:DescribeNetworkInterfaces` takes no resource-level permissions: it only works on `"Resource": "*"`.
 * - `ec2:CreateNetworkInterface` authorizes the subnet, the security groups and the new interface: only the
 *   function's own subnets and groups, and interfaces in this account and region.
 * - `ec2:DeleteNetworkInterface`, `ec2:AssignPrivateIpAddresses`, `ec2:UnassignPrivateIpAddresses` act on an
 *   existing interface, whose ID Lambda picks: every interface of this account and region (the form AWS documents
 *   for the delete), narrowed by the `ec2:Subnet` condition key to interfaces in the function's subnets.
 */
export function vpcNetworkingStatements(vpc: FunctionVpc): PolicyStatement[] {
  const ec2 = `arn:aws:ec2:${vpc.region}:${vpc.accountId}`;
  const subnets = vpc.subnetIds.map((id) => `${ec2}:subnet/${id}`);
  const interfaces = `${ec2}:network-interface/*`;
  return [
    {
      Sid: "VpcDescribeNetworkInterfaces",
      Effect: "Allow",
      Action: "ec2:DescribeNetworkInterfaces",
      Resource: "*",
    },
    {
      Sid: "VpcCreateNetworkInterface",
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterface",
      Resource: [...subnets, ...vpc.securityGroupIds.map((id) => `${ec2}:security-group/${id}`), interfaces],
    },
    {
      Sid: "VpcManageNetworkInterfaces",
      Effect: "Allow",
      Action: [
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: interfaces,
      Condition: { ArnEquals: { "ec2:Subnet": subnets } },
    },
  ];
}

export class NodeFunction<H extends HandlerName = HandlerName> extends Construct {
  public readonly function: LambdaFunction;
  /** `live`: what every trigger, integration and permission names (never `$LATEST`). */
  public readonly alias: LambdaAlias;
  /** Who moves the `live` alias (props.release). */
  public readonly release: "terraform" | "codedeploy";
  /** Its reserved concurrency, if it has one. */
  public readonly reservedConcurrency?: number;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly bundle: HandlerBundle;
  private readonly context: StackContext;
  private readonly statements: PolicyStatement[] = [];
  private readonly environment: Record<string, string> = {};
  /** One statement for every key the grants reach, placed where the first of them needs it. */
  private keyStatement?: { Sid: string; Effect: "Allow"; Action: string[]; Resource: string | string[] };

  /** `id` names the function (`<app>-<env>-<id>`), its log group and its role (`<app>-<env>-<region>-<id>-fn`). */
  constructor(scope: Construct, id: string, props: NodeFunctionProps<H>) {
    super(scope, id);
    this.context = StackContext.of(this);
    const { names, env } = this.context;
    const functionName = names.resource(id);
    if (props.vpc && props.vpc.subnetIds.length < 2) {
      throw new Error(`${functionName}: a function in a VPC needs at least 2 subnets (one per AZ)`);
    }

    this.bundle = bundleHandler(props.handler);
    const asset = new TerraformAsset(this, "code", {
      path: this.bundle.zipPath,
      type: AssetType.FILE,
      // The zip is deterministic: its own hash keeps the asset path stable across machines.
      assetHash: Buffer.from(this.bundle.sourceCodeHash, "base64").toString("hex").slice(0, 32),
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: env.logRetentionDays,
      kmsKeyId: this.context.kmsKeyArn,
    });

    this.role = new IamRole(this, "role", {
      // IAM names are per account: the role's carries the region (`Names.global`).
      name: names.global(`${id}-fn`),
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
    const vpc = props.vpc && { ...props.vpc, region: this.context.region, accountId: this.context.accountId };
    for (const statement of vpc ? vpcNetworkingStatements(vpc) : []) this.addToRolePolicy(statement);
    const variables: Record<string, EnvValue | undefined> = {
      POWERTOOLS_SERVICE_NAME: props.handler,
      LOG_LEVEL: "INFO",
      ...props.environment,
    };
    // The keys of what the bindings and grants reach are granted once, after all of them.
    const keys: KeyUse[] = [];
    for (const [key, value] of Object.entries(variables)) {
      if (value === undefined) continue;
      if (typeof value === "string") {
        this.environment[key] = value;
      } else {
        this.environment[key] = value.value;
        this.statements.push(value.statement(sid(key)));
        if (value.key) keys.push(value.key);
      }
    }
    for (const grant of props.grants ?? []) {
      this.statements.push(grant.statement);
      if (grant.key) keys.push(grant.key);
    }
    for (const key of keys) this.useKey(key);
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });

    this.release = props.release ?? releasedBy(env.release);
    this.reservedConcurrency = props.reservedConcurrency ?? concurrencyShare(env, props.handler);
    this.function = new LambdaFunction(this, "function", {
      functionName,
      description: props.description,
      role: this.role.arn,
      runtime: NODE_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: this.bundle.sourceCodeHash,
      memorySize: props.memorySize ?? FUNCTIONS[props.handler].memorySize,
      timeout: props.timeout ?? FUNCTIONS[props.handler].timeout,
      reservedConcurrentExecutions: this.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: { variables: Lazy.anyValue({ produce: () => ({ ...this.environment }) }) as never },
      vpcConfig: props.vpc
        ? { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds }
        : undefined,
      // Every change of code or configuration becomes a numbered version the alias can shift to (and back from).
      publish: true,
      dependsOn: [this.logGroup],
    });
    this.alias = new LambdaAlias(this, "live", {
      name: LIVE_ALIAS,
      functionName: this.function.functionName,
      functionVersion: this.function.version,
      description:
        this.release === "codedeploy" ? "Shifted by CodeDeploy at each apply" : "The newest version",
      lifecycle:
        this.release === "codedeploy" ? { ignoreChanges: ["function_version", "routing_config"] } : undefined,
    });
    acceptNodeFunctionExceptions(this.function, this.logGroup, {
      inVpc: props.vpc !== undefined,
      logRetentionDays: env.logRetentionDays,
    });
  }

  get functionName(): string {
    return this.function.functionName;
  }

  /** The `live` alias's ARN: what invokes the function. */
  get arn(): string {
    return this.alias.arn;
  }
  /** The `live` alias's invoke ARN, for API Gateway integrations. */
  get invokeArn(): string {
    return this.alias.invokeArn;
  }

  /** Sets one more variable of the handler's schema. */
  addEnvironment(key: FunctionVariable<H>, value: string): this {
    this.environment[key] = value;
    return this;
  }

  /** Adds `statement`, and use of `key` when what it reaches is encrypted (granted once per function). */
  addToRolePolicy(statement: PolicyStatement, key?: KeyUse): this {
    this.statements.push(statement);
    if (key) this.useKey(key);
    return this;
  }

  /** Adds a grant made elsewhere (a queue's consumer rights, a dead-letter queue's send right). */
  grant(grant: Grant): this {
    return this.addToRolePolicy(grant.statement, grant.key);
  }

  private useKey(key: KeyUse): void {
    const arn = key.kmsKeyArn ?? this.context.kmsKeyArn;
    if (!this.keyStatement) {
      this.keyStatement = { Sid: "UseDataKey", Effect: "Allow", Action: [...key.actions], Resource: arn };
      this.statements.push(this.keyStatement);
      return;
    }
    const statement = this.keyStatement;
    for (const action of key.actions) if (!statement.Action.includes(action)) statement.Action.push(action);
    const resources = [statement.Resource].flat();
    if (!resources.includes(arn)) statement.Resource = [...resources, arn];
  }
}

/** The handler's share of the environment's reserved concurrency, if config/concurrency.ts gives it one. */
function concurrencyShare(env: ConcurrencyInputs, handler: HandlerName): number | undefined {
  const shares: Readonly<Record<string, number>> = reservedConcurrency(env);
  return shares[handler];
}

/** Statement ids must be alphanumeric. */
function sid(envVar: string): string {
  return envVar
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
