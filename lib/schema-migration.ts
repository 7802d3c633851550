/**
 * The schema migration: a function in the VPC that applies the versioned SQL migrations shipped in its bundle,
 * signing in to the instance as the master user with the RDS-managed secret, and the invocation Terraform makes in
 * every deploy whose bundle (and so whose migrations) changed.
 */
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { keepAddresses } from "./addressing";
import { API_DB_USER } from "./database-users";
import { READ_KEY } from "./function-grants";
import { NodeFunction, type NodeFunctionProps } from "./node-function";
import { StackContext } from "./stack-context";

export interface SchemaMigrationProps {
  /** Private subnets and the migration function's security group. */
  readonly vpc: NonNullable<NodeFunctionProps<"migrate">["vpc"]>;
  /** The instance itself (never a proxy), with its RDS-managed master secret. */
  readonly database: {
    readonly address: string;
    readonly port: string;
    readonly name: string;
    readonly masterSecretArn: string;
  };
}

/** The function `<app>-<env>-<id>` and its invocation `run-migrations`. */
export class SchemaMigration extends Construct {
  public readonly fn: NodeFunction<"migrate">;

  constructor(scope: Construct, id: string, props: SchemaMigrationProps) {
    super(scope, id);
    // The api stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { database } = props;
    const fn = new NodeFunction(this, id, {
      handler: "migrate",
      description: "Applies the versioned SQL migrations (invoked by Terraform on deploy)",
      // Invoked once per deploy by Terraform itself, right after the alias moves.
      release: "terraform",
      vpc: props.vpc,
      environment: {
        DB_HOST: database.address,
        DB_PORT: database.port,
        DB_NAME: database.name,
        DB_SECRET_ARN: database.masterSecretArn,
        DB_SSL: "require",
        NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
        DB_API_USER: API_DB_USER,
      },
    });
    fn.addToRolePolicy(
      {
        Sid: "ReadMasterSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: database.masterSecretArn,
      },
      // The secret is encrypted with the stack's key.
      READ_KEY,
    );
    if (StackContext.of(this).env.production)
      suppress(
        fn.function,
        "BLOG_LAMBDA_RELEASED",
        "Invoked once per deploy by Terraform itself and serves no traffic: there is nothing to shift or roll back",
      );
    // The migrations ship inside the bundle, so its hash changes exactly when they do.
    new LambdaInvocation(this, "run-migrations", {
      functionName: fn.functionName,
      qualifier: fn.alias.name,
      input: JSON.stringify({ action: "migrate" }),
      triggers: { bundle: fn.bundle.sourceCodeHash },
      dependsOn: [fn.alias],
    });
    this.fn = fn;
  }
}
