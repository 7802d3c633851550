/**
 * Ties every AWS provider of a stack to its environment's account: `allowed_account_ids` (Terraform stops before
 * reading or changing anything when the credentials belong to another account) and an `assume_role` whose role
 * comes from the ephemeral variable of shared/account-access.ts, so the pipeline plans with the plan role and
 * applies the saved plan with the deploy role.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, TerraformVariable, type IAspect, type TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import type { AccountConfig } from "../config/schema";
import { ROLE_VARIABLE } from "../shared/account-access";

/** Visits every AWS provider of the stack, so that an alias added later (edge's us-east-1) is guarded too. */
class AccountGuardAspect implements IAspect {
  constructor(
    private readonly account: AccountConfig,
    private readonly sessionName: string,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof AwsProvider)) return;
    node.allowedAccountIds = [this.account.id];
    const role = `var.${ROLE_VARIABLE}`;
    // A dynamic block, because "no role" (the job already holds the role's credentials) must leave the block out:
    // the provider warns that an empty role_arn will become an error.
    node.addOverride(`dynamic.assume_role`, {
      for_each: `\${${role} == null || ${role} == "" ? [] : [${role}]}`,
      content: {
        role_arn: "${assume_role.value}",
        session_name: this.sessionName,
        ...(this.account.externalId ? { external_id: this.account.externalId } : {}),
      },
    });
  }
}

export interface AccountGuardProps {
  readonly account: AccountConfig;
  /** The stack name: the default session name. */
  readonly stackName: string;
}

/** Declares the role variable and guards every AWS provider of `stack`. */
export function guardAccount(stack: TerraformStack, { account, stackName }: AccountGuardProps): void {
  const variable = new TerraformVariable(stack, ROLE_VARIABLE, {
    type: "string",
    nullable: true,
    description:
      "Role the AWS providers assume: set by `npm run plan` (plan role) and `npm run apply` (deploy role); " +
      "null or empty uses the credentials as they are",
  });
  // cdktf 0.21 has no property for it; ephemeral (Terraform >= 1.10) keeps the value out of the saved plan.
  variable.addOverride("ephemeral", true);
  // Without the pipeline (`cdktf deploy` from a laptop) the deploy role is assumed; with none, nothing is.
  // An override, because cdktf cannot write a null default (and without a default the variable is required).
  variable.addOverride("default", account.deployRoleArn ?? null);
  Aspects.of(stack).add(new AccountGuardAspect(account, account.sessionName ?? stackName));
}
