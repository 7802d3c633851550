/** Entry point of the release-hook function: environment and clients once per container. */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { createLogger } from "../shared/logger";
import { createReleaseHookHandler } from "./app";
import { loadReleaseHookConfig } from "./config";

const config = loadReleaseHookConfig(process.env);

export const handler = createReleaseHookHandler({
  codedeploy: new CodeDeployClient({}),
  lambda: new LambdaClient({}),
  targetFunction: config.TARGET_FUNCTION_NAME,
  logger: createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  }),
});
