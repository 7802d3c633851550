/** Entry point of the migrate function: reads the environment once, fails fast when it is incomplete. */
import { createMigrateHandler } from "./app";
import { loadMigrateConfig } from "./config";

export const handler = createMigrateHandler(loadMigrateConfig(process.env));
