/**
 * How a stack reaches its environment's AWS account, as both sides of the contract see it: the synth writes the
 * account facts and the role variable into every stack of an environment with an `account` block; the pipeline
 * reads them back from the synthesized stack and chooses the role of each phase (plan or apply).
 */

/**
 * The Terraform variable every AWS provider of such a stack assumes (null or "": the credentials as they are).
 * Ephemeral (Terraform >= 1.10): not stored in the saved plan, so a plan made with the plan role is applied with
 * the deploy role without synthesizing again.
 */
export const ROLE_VARIABLE = "aws_role_arn";

export type Phase = "plan" | "apply";

/** What the pipeline needs to know of a stack's account, kept in `locals.stack_facts.account`. */
export interface AccountFacts {
  /** The only account the stack's providers accept. */
  readonly id: string;
  readonly planRoleArn?: string;
  readonly deployRoleArn?: string;
}

/** The variables a CI environment sets to choose the role itself; the value `none` means "the job's credentials". */
export const ROLE_OVERRIDE_VARIABLES: Readonly<Record<Phase, string>> = {
  plan: "BLOG_PLAN_ROLE_ARN",
  apply: "BLOG_DEPLOY_ROLE_ARN",
};
export const NO_ROLE = "none";

/** An IAM role ARN in any partition; group 1 is its account id. */
export const ROLE_ARN_PATTERN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** The account a role belongs to: credentials of an assumed role are always that account's. */
export function roleAccount(arn: string): string | undefined {
  return ROLE_ARN_PATTERN.exec(arn)?.[1];
}

/**
 * The role a phase runs with: the CI environment's choice first, then the configuration's role for the phase
 * (a plan without a plan role uses the deploy role, as the variable's default does); undefined means none.
 */
export function roleFor(
  phase: Phase,
  facts: AccountFacts,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const override = env[ROLE_OVERRIDE_VARIABLES[phase]];
  if (override !== undefined && override !== "") return override === NO_ROLE ? undefined : override;
  return phase === "plan" ? (facts.planRoleArn ?? facts.deployRoleArn) : facts.deployRoleArn;
}

/** The facts as the synth writes them into `stack_facts` (Terraform's snake_case), and as they are read back. */
export function factsToLocal(facts: AccountFacts): Record<string, string> {
  return {
    id: facts.id,
    ...(facts.planRoleArn ? { plan_role_arn: facts.planRoleArn } : {}),
    ...(facts.deployRoleArn ? { deploy_role_arn: facts.deployRoleArn } : {}),
  };
}

/** The account facts of a synthesized stack (`cdk.tf.json`), or undefined when it has no `account` block. */
export function accountFactsOf(stackJson: unknown): AccountFacts | undefined {
  const account = (stackJson as { locals?: { stack_facts?: { account?: Record<string, unknown> } } })?.locals
    ?.stack_facts?.account;
  if (!account || typeof account.id !== "string") return undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    id: account.id,
    planRoleArn: text(account.plan_role_arn),
    deployRoleArn: text(account.deploy_role_arn),
  };
}
