/**
 * Photo upload straight to S3 with the presigned POST the API hands out (`POST /api/uploads`). XMLHttpRequest
 * rather than fetch: it reports upload progress.
 */
import { api, ApiError } from "./api";
import type { PresignedUpload } from "./model";

/** What the thumbnail function can decode; the API refuses anything else with 415. */
export const ACCEPTED_TYPES: readonly string[] = ["image/jpeg", "image/png"];

export class UploadError extends Error {
  override readonly name = "UploadError";
}

export async function requestUpload(file: File, token: string): Promise<PresignedUpload> {
  if (!ACCEPTED_TYPES.includes(file.type)) {
    throw new UploadError(
      `${file.name}: only JPEG and PNG photos can be uploaded (this file is ${file.type || "of an unknown type"}).`,
    );
  }
  try {
    return await api<PresignedUpload>(
      "POST",
      "/api/uploads",
      { contentType: file.type, size: file.size },
      { token },
    );
  } catch (error) {
    throw error instanceof ApiError ? new UploadError(`${file.name}: ${error.message}`) : error;
  }
}

/** Posts the file with the presigned fields (the file must come last) and reports progress from 0 to 1. */
export function uploadToBucket(
  upload: PresignedUpload,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", file);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", upload.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(request.responseText)?.[1];
        reject(
          new UploadError(
            `${file.name}: the storage refused the upload (${request.status}${code ? ` ${code}` : ""}).`,
          ),
        );
      }
    });
    request.addEventListener("error", () =>
      reject(new UploadError(`${file.name}: the upload failed (network error).`)),
    );
    request.send(form);
  });
}
