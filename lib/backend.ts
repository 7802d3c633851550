/**
 * Where each stack keeps its state, chosen by configuration: a local file (zero-config default), S3 with
 * one key per stack, or HCP Terraform / Terraform Cloud with one workspace per stack. cdktf builds the
 * `terraform_remote_state` of dependent stacks from the origin stack's backend, so both always agree.
 */
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, type TerraformStack } from "cdktf";
import type { AccountConfig, BackendConfig } from "../config/schema";

export interface BackendPlacement {
  /** `<app>-<env>-<layer>`: the default session name. */
  readonly stackName: string;
  /** `<env>/<layer>` (a second region: `<env>/<region>/<layer>`, config/ownership.ts): the S3 key under the prefix. */
  readonly stateKey: string;
  /** The local file name and the HCP workspace: the stack name, with `-<region>` in a second region. */
  readonly stateName: string;
  /** The environment's account, whose roles reach its state. @default none */
  readonly account?: AccountConfig;
}

type S3BackendSettings = Extract<BackendConfig, { type: "s3" }>;

/**
 * The role the S3 backend assumes: `backend.roleArn`, else the deploy role. It is literal (a backend block takes no
 * variables), and the plan must lock and read state too, so whoever plans can assume it: a state role that can
 * only read and write the state objects keeps the plan identity away from the deploy role.
 */
export function stateRoleArn(
  backend: S3BackendSettings,
  account: AccountConfig | undefined,
): string | undefined {
  return backend.roleArn ?? account?.deployRoleArn;
}

export function configureBackend(
  stack: TerraformStack,
  backend: BackendConfig,
  { stackName, stateKey, stateName, account }: BackendPlacement,
) {
  switch (backend.type) {
    case "local":
      // Relative to the stack's working directory (cdktf.out/stacks/<stack>): state lands in the project root.
      return new LocalBackend(stack, { path: `../../../terraform.${stateName}.tfstate` });
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${stateKey}.tfstate`,
        region: backend.region,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
        dynamodbTable: backend.dynamodbTable,
        // Typed (not an override), so that cdktf gives the dependants' terraform_remote_state the same role.
        assumeRole: roleOf(backend, account, stackName),
      });
      // Native S3 locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no property for it yet.
      if (backend.useLockfile) s3.addOverride("use_lockfile", true);
      return s3;
    }
    case "hcp":
      return new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix}${stateName}`),
      });
  }
}

function roleOf(backend: S3BackendSettings, account: AccountConfig | undefined, stackName: string) {
  const roleArn = stateRoleArn(backend, account);
  if (!roleArn) return undefined;
  // The external id belongs to the account's roles' trust policies, not to a separate state role's.
  const externalId = roleArn === account?.deployRoleArn ? account.externalId : undefined;
  return { roleArn, sessionName: account?.sessionName ?? stackName, externalId };
}
