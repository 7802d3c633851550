/**
 * Entry point of `cdktf synth`: read and validate the configuration once, then define every stack.
 * A bad configuration stops here, before anything is written, with one line per problem.
 */
import { App } from "cdktf";
import { loadConfig } from "./config/load";
import { ConfigError } from "./shared/config-error";
import { PROJECT_ROOT } from "./lib/paths";
import { defineApp } from "./stacks/app";

function main(): void {
  let loaded;
  try {
    loaded = loadConfig({ root: PROJECT_ROOT });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = new App();
  defineApp(app, loaded);
  app.synth();
}

main();
