/**
 * Where each stack keeps its state, chosen by configuration: a local file (zero-config default), S3 with
 * one key per stack, or HCP Terraform / Terraform Cloud with one workspace per stack. cdktf builds the
 * `terraform_remote_state` of dependent stacks from the origin stack's backend, so both always agree.
 */
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, type TerraformStack } from "cdktf";
import type { BackendConfig } from "../config/schema";

export function configureBackend(
  stack: TerraformStack,
  backend: BackendConfig,
  stackName: string,
  stateKey: string,
) {
  switch (backend.type) {
    case "local":
      // Relative to the stack's working directory (cdktf.out/stacks/<stack>): state lands in the project root.
      return new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${stateKey}.tfstate`,
        region: backend.region,
        encrypt: true,
        kmsKeyId: backend.kmsKeyId,
        dynamodbTable: backend.dynamodbTable,
      });
      // Native S3 locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no property for it yet.
      if (backend.useLockfile) s3.addOverride("use_lockfile", true);
      return s3;
    }
    case "hcp":
      return new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix}${stackName}`),
      });
  }
}
