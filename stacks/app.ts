/**
 * The whole application: one stack per layer per environment, wired network → data → (events, api → edge)
 * through the typed outputs of stacks/outputs.ts (cdktf turns the references into outputs +
 * terraform_remote_state), plus the state-bootstrap stack.
 */
import type { App } from "cdktf";
import type { LoadedConfig } from "../config/load";
import { ApiStack, apiNetworkAccess } from "./api-stack";
import { DataStack, dataNetworkAccess } from "./data-stack";
import { EdgeStack } from "./edge-stack";
import { EventsStack } from "./events-stack";
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
  const edge = new EdgeStack(app, { ...base, network, data, api });
  return { network, data, events, api, edge };
}

export function defineApp(app: App, loaded: LoadedConfig): Record<string, EnvironmentStacks> {
  new StateBootstrapStack(app, loaded.config);
  const environments: Record<string, EnvironmentStacks> = {};
  for (const envName of loaded.environments) environments[envName] = defineEnvironment(app, loaded, envName);
  return environments;
}
