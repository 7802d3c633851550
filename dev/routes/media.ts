/** `/media/*`: the media bucket, as CloudFront serves it (the path is the key). */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "stream";
import { LOCAL_NAMES } from "../services";
import { answer, send, type RouteFamily } from "./respond";

export function mediaRoutes(s3: S3Client): RouteFamily {
  return {
    owns: (pathname) => pathname.startsWith("/media/"),
    async handle(_request, response, url) {
      const key = decodeURIComponent(url.pathname.slice(1));
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: LOCAL_NAMES.mediaBucket, Key: key }));
        response.writeHead(200, {
          "content-type": object.ContentType ?? "application/octet-stream",
          "cache-control": object.CacheControl ?? "public, max-age=86400",
          ...(object.ContentLength !== undefined ? { "content-length": String(object.ContentLength) } : {}),
          ...(object.ETag ? { etag: object.ETag } : {}),
          "x-content-type-options": "nosniff",
        });
        (object.Body as Readable).pipe(response);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const missing = status === 404;
        send(
          response,
          answer(
            missing ? 404 : 502,
            { "content-type": "text/plain" },
            missing ? "Not found" : "Media storage error",
          ),
        );
      }
    },
  };
}
