/**
 * A three-stack cdktf app for the pipeline tests: network → data → api, wired by cross-stack references so
 * that cdktf itself writes the outputs and `terraform_remote_state` data sources, exactly as in the real app.
 * Variants change it the way a pull request would (an input, a replacement, a removed or renamed resource).
 */
import { App, LocalBackend, TerraformLocal, TerraformStack, TerraformVariable } from "cdktf";
import * as path from "path";
import { ROLE_VARIABLE, factsToLocal, type AccountFacts } from "../../../shared/account-access";
import { TerraformData } from "./terraform-data";

export interface FixtureOptions {
  /** Where `cdktf.out` goes. */
  readonly outdir: string;
  /** Directory that holds each stack's local state file (`<stack>.tfstate`). */
  readonly stateDir: string;
  /** The network CIDR: changing it updates `network.vpc` in place and the data stack's consumer. @default "10.0.0.0/16" */
  readonly cidr?: string;
  /** The database engine generation: changing it replaces `data.database`. @default "16" */
  readonly engineGeneration?: string;
  /** Include `api.cache_warmer`; false removes it (a destroy). @default true */
  readonly withCacheWarmer?: boolean;
  /**
   * How the API function is addressed: `original` (`api_function`), `renamed` (a new id, nothing else:
   * Terraform would destroy and recreate it), `moved` (the new id plus a `moved` block from the old one).
   * @default "original"
   */
  readonly functionId?: "original" | "renamed" | "moved";
  /** The flow-log setting (an output only `apiReadsFlowLogs` reads). @default "enabled" */
  readonly flowLogs?: string;
  /** A Terraform version constraint in fx-data's `terraform` block (a version pin). @default none */
  readonly requiredVersion?: string;
  /** The API also reads the flow-log setting: a new output of fx-network that must be applied first. @default false */
  readonly apiReadsFlowLogs?: boolean;
  /**
   * Every stack declares this account as the real app's stacks do (stack facts and the role variable), for the
   * pipeline's account checks; the built-in provider itself reaches no account. @default none
   */
  readonly account?: AccountFacts;
}

export const FIXTURE_STACKS = ["fx-network", "fx-data", "fx-api"] as const;

export function synthFixture(options: FixtureOptions): void {
  const app = new App({ outdir: options.outdir });
  const backend = (stack: TerraformStack, name: string) => {
    new LocalBackend(stack, { path: path.join(options.stateDir, `${name}.tfstate`) });
    if (!options.account) return;
    new TerraformLocal(stack, "stack_facts", { production: false, account: factsToLocal(options.account) });
    new TerraformVariable(stack, ROLE_VARIABLE, { type: "string", nullable: true }).addOverride(
      "ephemeral",
      true,
    );
  };

  const network = new TerraformStack(app, "fx-network");
  backend(network, "fx-network");
  const vpc = new TerraformData(network, "vpc", { input: { cidr: options.cidr ?? "10.0.0.0/16" } });
  const flowLogs = new TerraformData(network, "flow_logs", { input: options.flowLogs ?? "enabled" });

  const data = new TerraformStack(app, "fx-data");
  backend(data, "fx-data");
  if (options.requiredVersion) data.addOverride("terraform.required_version", options.requiredVersion);
  const database = new TerraformData(data, "database", {
    input: { vpc: vpc.output },
    triggersReplace: options.engineGeneration ?? "16",
  });

  const api = new TerraformStack(app, "fx-api");
  backend(api, "fx-api");
  const variant = options.functionId ?? "original";
  const fn = new TerraformData(api, variant === "original" ? "api_function" : "api_handler", {
    input: {
      database: database.dataId,
      vpc: vpc.dataId,
      ...(options.apiReadsFlowLogs ? { flowLogs: flowLogs.output } : {}),
    },
  });
  if (variant === "moved") fn.moveFromId("terraform_data.api_function");
  if (options.withCacheWarmer ?? true) new TerraformData(api, "cache_warmer", { input: "every 5 minutes" });
  app.synth();
}
