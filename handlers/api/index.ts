/** Entry point of the API function: reads the environment once (fails fast when incomplete), clients once. */
import { createApiFunction } from "./handler";
import { loadApiConfig } from "./config";

export const handler = createApiFunction(loadApiConfig(process.env)).handler;
