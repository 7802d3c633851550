/**
 * Terraform's built-in `terraform_data` resource. cdktf core ships no class for it and no provider package
 * is needed (the `terraform` provider is built into the Terraform binary), which is what lets the pipeline
 * tests run real `terraform plan/apply` offline.
 */
import { TerraformResource } from "cdktf";
import type { Construct } from "constructs";

export interface TerraformDataConfig {
  /** Stored in state and echoed as `output`; changing it is an in-place update. @default none */
  readonly input?: unknown;
  /** Any change to this value replaces the resource (delete + create). @default none */
  readonly triggersReplace?: unknown;
}

export class TerraformData extends TerraformResource {
  static readonly tfResourceType = "terraform_data";

  private readonly config: TerraformDataConfig;

  constructor(scope: Construct, id: string, config: TerraformDataConfig = {}) {
    super(scope, id, {
      terraformResourceType: TerraformData.tfResourceType,
      terraformGeneratorMetadata: { providerName: "terraform" },
    });
    this.config = config;
  }

  /** A random id Terraform assigns on create. */
  get dataId(): string {
    return this.getStringAttribute("id");
  }

  /** The `input` value after apply. */
  get output(): string {
    return this.getStringAttribute("output");
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { input: this.config.input, triggers_replace: this.config.triggersReplace };
  }
}
