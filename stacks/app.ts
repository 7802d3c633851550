/**
 * The whole application: one stack per layer per environment, wired network → data → (events, api → edge)
 * through the typed outputs of stacks/outputs.ts (cdktf turns the references into outputs +
 * terraform_remote_state), plus the state-bootstrap stack.
 */
import type { App } from "cdktf";
import type { LoadedConfig } from "../config/load";
import { API_NETWORK_ACCESS, ApiStack } from "./api-stack";
import { DATA_NETWORK_ACCESS, DataStack } from "./data-stack";
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
  const network = new NetworkStack(app, { ...base, access: [DATA_NETWORK_ACCESS, API_NETWORK_ACCESS] });
  const data = new DataStack(app, { ...base, network });
  const events = new EventsStack(app, { ...base, network, data });
  const api = new ApiStack(app, { ...base, network, data });
  // Found in the trees now that the layers exist: a function, queue or table added to any of them is on the dashboard.
  const monitored = monitoredResources([data, events, api]);
  const edge = new EdgeStack(app, { ...base, network, data, api, monitored });
  return { network, data, events, api, edge };
}

export function defineApp(app: App, loaded: LoadedConfig): Record<string, EnvironmentStacks> {
  new StateBootstrapStack(app, loaded.config);
  const environments: Record<string, EnvironmentStacks> = {};
  for (const envName of loaded.environments) environments[envName] = defineEnvironment(app, loaded, envName);
  return environments;
}
