/**
 * The whole application: one stack per layer per environment, wired network → data → (events, api → edge)
 * through the typed outputs of stacks/outputs.ts (cdktf turns the references into outputs +
 * terraform_remote_state), plus the state-bootstrap stack.
 */
import type { App } from "cdktf";
import type { LoadedConfig } from "../config/load";
import { isHomeRegion } from "../config/ownership";
import { backendOf, type BlogConfig } from "../config/schema";
import { ApiStack, apiNetworkAccess } from "./api-stack";
import { DataStack, dataNetworkAccess } from "./data-stack";
import { EdgeStack } from "./edge-stack";
import { EventsStack } from "./events-stack";
import { monitoredResources } from "../lib/monitored";
import { NetworkStack } from "./network-stack";
import { StateBootstrapStack } from "./state-bootstrap-stack";

export interface EnvironmentStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly events: EventsStack;
  readonly api: ApiStack;
  readonly edge: EdgeStack;
}

export function defineEnvironment(
  app: App,
  { config }: Pick<LoadedConfig, "config">,
  envName: string,
): EnvironmentStacks {
  const base = { config, envName };
  const { database } = config.environments[envName];
  const access = [dataNetworkAccess(database), apiNetworkAccess(database)];
  const network = new NetworkStack(app, { ...base, access });
  const data = new DataStack(app, { ...base, network });
  const events = new EventsStack(app, { ...base, network, data });
  const api = new ApiStack(app, { ...base, network, data });
  // Found in the trees now that the layers exist: a function, queue or table added to any of them is on the dashboard.
  const monitored = monitoredResources([data, events, api]);
  const edge = new EdgeStack(app, { ...base, network, data, api, monitored });
  return { network, data, events, api, edge };
}

/**
 * One state bootstrap per environment account (its bucket admits only that account's roles), and the app-wide one
 * while some environment has no account.
 */
export function defineStateBootstraps(app: App, config: BlogConfig, envNames: readonly string[]): void {
  const byAccount = new Map<string, string[]>();
  for (const env of envNames) {
    const id = config.environments[env].account?.id;
    if (id) byAccount.set(id, [...(byAccount.get(id) ?? []), env]);
  }
  if (envNames.some((env) => !config.environments[env].account)) new StateBootstrapStack(app, { config });
  for (const [id, environments] of [...byAccount].sort(([a], [b]) => a.localeCompare(b))) {
    const backends = environments.map((env) => backendOf(config, env));
    const buckets = new Set(backends.map((b) => (b.type === "s3" ? b.bucket : b.type)));
    if (buckets.size > 1)
      throw new Error(
        `Environments ${environments.join(", ")} share account ${id} but not a state backend ` +
          `(${[...buckets].join(", ")}): give them the same environments.<env>.backend, one bucket per account`,
      );
    const account = config.environments[environments[0]].account!;
    new StateBootstrapStack(app, { config, backend: backends[0], stateAccount: { account, environments } });
  }
}

export function defineApp(app: App, loaded: LoadedConfig): Record<string, EnvironmentStacks> {
  // A second region keeps its state in the home region's buckets (config/ownership.ts): one owner for each.
  if (isHomeRegion(loaded.config)) defineStateBootstraps(app, loaded.config, loaded.environments);
  const environments: Record<string, EnvironmentStacks> = {};
  for (const envName of loaded.environments) environments[envName] = defineEnvironment(app, loaded, envName);
  return environments;
}
