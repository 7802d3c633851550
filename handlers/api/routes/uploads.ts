/** The upload route: an author's presigned POST to the uploads bucket, the photo recorded as pending. */
import { json, parseJsonBody } from "../http";
import { uploadBody } from "../schemas";
import { checkUpload, presignUpload } from "../uploads";
import type { Routed, RouteHandler } from "./context";
import { requireAuthor } from "./inputs";

export function uploadRoutes(
  deps: Pick<Routed, "photos" | "s3" | "uploads" | "rateLimiter">,
): Readonly<Record<"create", RouteHandler>> {
  return {
    create: async (request) => {
      const author = requireAuthor(request);
      const input = parseJsonBody(request, uploadBody);
      const contentType = checkUpload(deps.uploads, input.contentType, input.size);
      // Per author (JWT subject) and per source address.
      await deps.rateLimiter.enforce("upload", request);
      const upload = await presignUpload(deps.s3, deps.uploads, author.sub, contentType, input.size);
      await deps.photos.recordPending({ key: upload.key, author: author.sub, contentType });
      return json(201, upload);
    },
  };
}
