/**
 * The site: the built pages and assets with the headers the edge adds (the CSP is the edge's, from
 * lib/content-security-policy.ts), `/config.json`, and 404 for anything else; every request first goes through
 * the site's CloudFront Function (edge/viewer-request.js), as on the distribution's default behaviour.
 */
import * as fs from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { contentSecurityPolicy } from "../../lib/content-security-policy";
import type { CleanupStack, Log } from "../lifecycle";
import { isEdgeResponse, runViewerRequest } from "../edge-function";
import { StaticSite } from "../static-site";
import { answer, send, type RouteFamily } from "./respond";

export interface Site {
  readonly files: StaticSite;
  /** What the edge's response headers policy adds to every page. */
  readonly securityHeaders: Readonly<Record<string, string>>;
}

export interface SiteOptions {
  /** Where the pages POST photos to (the upload-policy proxy). */
  readonly uploadsEndpoint: string;
  readonly watch: boolean;
  readonly log: Log;
}

/** Builds the site into a temporary directory (deleted on stop), rebuilding when `web/src` changes. */
export function startSite(cleanup: CleanupStack, options: SiteOptions): Site {
  const outDir = fs.mkdtempSync(path.join(tmpdir(), "myblog-dev-site-"));
  cleanup.push(() => fs.rmSync(outDir, { recursive: true, force: true }));
  const securityHeaders = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "content-security-policy": contentSecurityPolicy({ connect: [options.uploadsEndpoint] }),
  };
  const files = new StaticSite({ outDir, headers: securityHeaders, watch: options.watch, log: options.log });
  cleanup.push(() => files.close());
  return { files, securityHeaders };
}

/** Owns every path: the last family the dispatcher tries. `config` is what `/config.json` holds. */
export function siteRoutes(site: Site, config: unknown): RouteFamily {
  const configJson = JSON.stringify(config);
  return {
    owns: () => true,
    handle(request, response) {
      const edge = runViewerRequest(request);
      if (isEdgeResponse(edge)) {
        const headers = Object.fromEntries(Object.entries(edge.headers ?? {}).map(([k, v]) => [k, v.value]));
        return send(response, answer(edge.statusCode, headers, edge.body?.data ?? ""), site.securityHeaders);
      }
      if (edge.uri === "/config.json" && request.method === "GET") {
        const headers = { "content-type": "application/json", "cache-control": "no-cache" };
        return send(response, answer(200, headers, configJson), site.securityHeaders);
      }
      if (!site.files.handle(request, response, edge.uri)) {
        const headers = { "content-type": "text/plain; charset=utf-8" };
        send(response, answer(404, headers, "Not found"), site.securityHeaders);
      }
    },
  };
}
