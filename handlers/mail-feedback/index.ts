/** Entry point of the mail-feedback function: environment and clients once per container. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "../shared/logger";
import { createMailFeedbackHandler } from "./app";
import { loadMailFeedbackConfig } from "./config";

const config = loadMailFeedbackConfig(process.env);

export const handler = createMailFeedbackHandler({
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  logger: createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  }),
  config: { subscribersTable: config.SUBSCRIBERS_TABLE },
});
