/** Entry point of the welcome-email function: environment and clients once per container. */
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "../shared/logger";
import { createWelcomeEmailHandler } from "./app";
import { loadWelcomeEmailConfig } from "./config";
import { createSesClient } from "./send";
import { siteUrlSource, ssmParameterReader } from "./site-url";

const config = loadWelcomeEmailConfig(process.env);
const dynamoClient = new DynamoDBClient({});

export const handler = createWelcomeEmailHandler({
  ses: createSesClient(),
  dynamo: DynamoDBDocumentClient.from(dynamoClient),
  idempotencyStore: new DynamoDBPersistenceLayer({
    tableName: config.IDEMPOTENCY_TABLE,
    awsSdkV3Client: dynamoClient,
  }),
  logger: createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  }),
  config: {
    sender: config.SES_SENDER,
    configurationSet: config.SES_CONFIGURATION_SET,
    subscribersTable: config.SUBSCRIBERS_TABLE,
    siteUrl: siteUrlSource(config, ssmParameterReader),
  },
});
