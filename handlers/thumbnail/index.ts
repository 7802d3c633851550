/** Entry point of the thumbnail function: environment and clients once per container. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "../shared/logger";
import { createThumbnailHandler } from "./app";
import { loadThumbnailConfig } from "./config";
import { PhotoStatusStore } from "./photos";

const config = loadThumbnailConfig(process.env);

export const handler = createThumbnailHandler({
  // Path-style addressing is what local S3 endpoints (AWS_ENDPOINT_URL_S3) understand.
  s3: new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined }),
  photos: new PhotoStatusStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.PHOTOS_TABLE),
  logger: createLogger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
  }),
  settings: {
    uploadsBucket: config.UPLOADS_BUCKET,
    mediaBucket: config.MEDIA_BUCKET,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxMegapixels: config.MAX_MEGAPIXELS,
    widths: config.THUMBNAIL_WIDTHS,
  },
});
