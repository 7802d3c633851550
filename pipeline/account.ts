/**
 * Which account a plan or apply runs in, for a stack whose environment has an `account` block: the role of the
 * phase (CI environment first, then the configuration, shared/account-access.ts), the Terraform variable that
 * hands it to the providers, and the account its credentials belong to, which the plan record keeps.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as fs from "fs";
import {
  ROLE_VARIABLE,
  accountFactsOf,
  roleAccount,
  roleFor,
  type AccountFacts,
  type Phase,
} from "../shared/account-access";
import type { StackInfo } from "./manifest";

/** The account a stack was planned (or is applied) in, and through which credentials. */
export interface StackAccount {
  /** Undefined when the credentials' account could not be determined. */
  readonly id?: string;
  /** `role <arn>`, or `the job's credentials`. */
  readonly via: string;
}

/** The account of the credentials at hand (no role assumed); undefined when there are none or STS cannot be reached. */
export type CallerAccount = () => Promise<string | undefined>;

export interface AccountOptions {
  /** Where BLOG_PLAN_ROLE_ARN / BLOG_DEPLOY_ROLE_ARN are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default STS GetCallerIdentity with the default credential chain */
  readonly callerAccount?: CallerAccount;
}

export const stsCallerAccount: CallerAccount = async () => {
  const client = new STSClient({ maxAttempts: 2 });
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).Account;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
};

export function readAccountFacts(stack: StackInfo): AccountFacts | undefined {
  return accountFactsOf(JSON.parse(fs.readFileSync(stack.synthesizedStackPath, "utf8")));
}

export interface PhaseAccess {
  readonly account: StackAccount;
  /** Extra environment for Terraform: the role variable, always set, so that apply sees what plan saw. */
  readonly terraformEnv: Record<string, string>;
  /** The role the phase assumes; undefined when the job's credentials are used as they are. */
  readonly role?: string;
}

/** The role and account of one phase of a stack with account facts. */
export async function phaseAccess(
  phase: Phase,
  facts: AccountFacts,
  options: AccountOptions = {},
): Promise<PhaseAccess> {
  const role = roleFor(phase, facts, options.env ?? process.env);
  const terraformEnv = { [`TF_VAR_${ROLE_VARIABLE}`]: role ?? "" };
  // Credentials of an assumed role are the role's account's; the providers' allowed_account_ids check the rest.
  if (role) return { account: { id: roleAccount(role), via: `role ${role}` }, terraformEnv, role };
  const id = await (options.callerAccount ?? stsCallerAccount)();
  return { account: { id, via: "the job's credentials" }, terraformEnv };
}

/** Why an apply must not run with these credentials, or undefined when they are the plan's account's. */
export function accountMismatch(planned: StackAccount, applying: StackAccount): string | undefined {
  if (planned.id === undefined) return undefined;
  if (applying.id === planned.id) return undefined;
  const now =
    applying.id === undefined
      ? `the account of the apply credentials (${applying.via}) cannot be determined`
      : `the apply credentials (${applying.via}) belong to account ${applying.id}`;
  return (
    `it was planned in account ${planned.id} (${planned.via}), but ${now}: a plan is applied only in the ` +
    `account it was reviewed for. Use that account's deploy role (environments.<env>.account.deployRoleArn or ` +
    `BLOG_DEPLOY_ROLE_ARN), or plan again.`
  );
}
