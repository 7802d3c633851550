/** Entry point of the upload-stats function: environment and clients once per container. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "../shared/logger";
import { createUploadStatsHandler } from "./app";
import { loadUploadStatsConfig } from "./config";
import { UploadStatsStore } from "./stats-store";

const config = loadUploadStatsConfig(process.env);

export const handler = createUploadStatsHandler({
  store: new UploadStatsStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.UPLOAD_STATS_TABLE),
  logger: createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  }),
});
