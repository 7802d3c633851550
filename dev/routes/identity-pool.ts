/** `/dev/cognito-identity`: the local identity pool's JSON 1.1 endpoint (dev/identity-pool.ts), in place of Cognito Identity. */
import type { LocalIdentityPool } from "../identity-pool";
import { answer, readBody, send, type RouteFamily } from "./respond";

export const IDENTITY_ENDPOINT = "/dev/cognito-identity";
const MAX_BODY = 64 * 1024;

/**
 * The `folders` part of `/config.json` (web/src/config.ts's FoldersConfig). The identity endpoint is a path on
 * this site (the page resolves it), so it is same-origin whether the site is opened as 127.0.0.1 or localhost.
 */
export function localFoldersConfig(
  pool: LocalIdentityPool,
  options: { readonly bucket: string; readonly s3Endpoint: string },
): Record<string, string> {
  return {
    identityPoolId: pool.identityPoolId,
    region: pool.region,
    bucket: options.bucket,
    loginProvider: pool.loginProvider,
    identityEndpoint: IDENTITY_ENDPOINT,
    s3Endpoint: options.s3Endpoint,
  };
}

export function identityPoolRoutes(pool: LocalIdentityPool): RouteFamily {
  return {
    owns: (pathname) => pathname === IDENTITY_ENDPOINT || pathname === `${IDENTITY_ENDPOINT}/`,
    async handle(request, response) {
      const headers = { "content-type": "application/x-amz-json-1.1", "cache-control": "no-store" };
      if (request.method !== "POST") {
        const body = JSON.stringify({ __type: "UnknownOperationException", message: "Use POST." });
        return send(response, answer(405, { ...headers, allow: "POST" }, body));
      }
      const body = await readBody(request, MAX_BODY);
      if (body === null) {
        const tooLarge = JSON.stringify({ __type: "SerializationException", message: "Body too large." });
        return send(response, answer(413, headers, tooLarge));
      }
      const target = request.headers["x-amz-target"];
      const result = pool.call(typeof target === "string" ? target : undefined, body.toString("utf8"));
      send(response, answer(result.status, headers, result.body));
    },
  };
}
