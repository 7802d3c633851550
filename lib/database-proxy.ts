/**
 * RDS Proxy in front of one PostgreSQL instance, for clients that authenticate with IAM: TLS required, IAM end to end
 * (`default_auth_scheme = IAM_AUTH`: the proxy signs in to the database with IAM too, so no password exists in
 * Secrets Manager or state), a role that may connect as exactly the given database users, its log group first.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { DbProxyDefaultTargetGroup } from "@cdktf/provider-aws/lib/db-proxy-default-target-group";
import { DbProxyTarget } from "@cdktf/provider-aws/lib/db-proxy-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { acceptRetentionBelowAYear } from "./log-retention";
import { assumeRolePolicy, policyDocument } from "./iam";

export interface DatabaseProxyProps {
  /** Proxy name, also its role's and log group's (letters, digits, single hyphens; at most 60 characters). */
  readonly name: string;
  /** The proxy role's name: IAM names are per account, so it carries the region (`Names.global`). */
  readonly roleName: string;
  readonly region: string;
  readonly accountId: string;
  /** The target instance: its identifier and its `dbi-resource-id` (for the proxy's `rds-db:connect`). */
  readonly instance: { readonly identifier: string; readonly resourceId: string };
  /** PostgreSQL roles clients may sign in as (each must be granted `rds_iam` in the database). */
  readonly users: readonly string[];
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  /** The target group's `max_connections_percent` of the instance's `max_connections`. */
  readonly maxConnectionsPercent: number;
  readonly logRetentionDays: number;
  readonly kmsKeyArn: string;
}

/** `rds-db:connect` resource of one database user on a target: `<resource id>` is `db-…` or `prx-…`. */
export function dbUserArn(region: string, accountId: string, resourceId: string, user: string): string {
  return `arn:aws:rds-db:${region}:${accountId}:dbuser:${resourceId}/${user}`;
}

export class DatabaseProxy extends Construct {
  /** Host name clients connect to (port 5432). */
  public readonly endpoint: string;
  /** `prx-…`, the last part of the proxy's ARN: clients' `rds-db:connect` names it instead of the instance's. */
  public readonly resourceId: string;
  public readonly proxy: DbProxy;

  constructor(scope: Construct, id: string, props: DatabaseProxyProps) {
    super(scope, id);
    if (props.name.length > 60 || !/^[a-zA-Z](-?[a-zA-Z0-9])*$/.test(props.name)) {
      throw new Error(
        `DatabaseProxy name "${props.name}": use letters, digits and single hyphens, at most 60 characters`,
      );
    }
    const role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: assumeRolePolicy("rds.amazonaws.com"),
    });
    new IamRolePolicy(this, "role-policy", {
      name: "connect-to-target",
      role: role.id,
      policy: policyDocument([
        {
          Sid: "ConnectToTargetWithIam",
          Effect: "Allow",
          Action: "rds-db:connect",
          Resource: props.users.map((user) =>
            dbUserArn(props.region, props.accountId, props.instance.resourceId, user),
          ),
        },
      ]),
    });
    // RDS Proxy writes into this group; creating it first sets retention and encryption.
    const logs = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/rds/proxy/${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    acceptRetentionBelowAYear(logs, props.logRetentionDays, "logRetentionDays");

    this.proxy = new DbProxy(this, "proxy", {
      name: props.name,
      engineFamily: "POSTGRESQL",
      defaultAuthScheme: "IAM_AUTH",
      requireTls: true,
      roleArn: role.arn,
      vpcSubnetIds: props.subnetIds,
      vpcSecurityGroupIds: [props.securityGroupId],
      debugLogging: false,
      dependsOn: [logs],
    });
    const targets = new DbProxyDefaultTargetGroup(this, "target-group", {
      dbProxyName: this.proxy.name,
      connectionPoolConfig: { maxConnectionsPercent: props.maxConnectionsPercent },
    });
    new DbProxyTarget(this, "target", {
      dbProxyName: this.proxy.name,
      targetGroupName: targets.name,
      dbInstanceIdentifier: props.instance.identifier,
    });
    this.endpoint = this.proxy.endpoint;
    // arn:aws:rds:<region>:<account>:db-proxy:prx-…, in a local so that a policy naming it reads `${local…}`.
    this.resourceId = new TerraformLocal(
      this,
      "resource-id",
      Fn.element(Fn.split(":", this.proxy.arn), 6),
    ).asString;
  }
}
