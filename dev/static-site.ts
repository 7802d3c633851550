/**
 * Serves the built site like the edge does: the hashed assets immutable, the pages `no-cache`, gzip when the
 * browser accepts it (CloudFront compresses too), `/` → `index.html`. Rebuilds when a file under `web/src`
 * changes, on the next request.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import type { IncomingMessage, ServerResponse } from "http";
import * as path from "path";
import { gzipSync } from "zlib";
import { buildSite, WEB_ROOT, type SiteFile } from "../web/build";

interface ServedFile {
  readonly file: SiteFile;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

export interface StaticSiteOptions {
  readonly outDir: string;
  /** Extra headers on every page and asset (security headers the edge would add). */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default true */
  readonly watch?: boolean;
  readonly log?: (message: string) => void;
}

export class StaticSite {
  private files = new Map<string, ServedFile>();
  private dirty = true;
  private watcher: fs.FSWatcher | undefined;

  constructor(private readonly options: StaticSiteOptions) {
    this.rebuild();
    if (options.watch ?? true) {
      this.watcher = fs.watch(path.join(WEB_ROOT, "src"), { recursive: true }, () => (this.dirty = true));
    }
  }

  /** The site-root path of the hashed stylesheet (the local sign-in page reuses it). */
  get stylesheet(): string | undefined {
    return [...this.files.keys()].find((p) => p.startsWith("/assets/") && p.endsWith(".css"));
  }

  private rebuild(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      const files = new Map<string, ServedFile>();
      for (const file of buildSite({ outDir: this.options.outDir })) {
        const body = fs.readFileSync(file.absolutePath);
        files.set(`/${file.path}`, {
          file,
          body,
          gzip: gzipSync(body, { level: 9 }),
          etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        });
      }
      this.files = files;
    } catch (error) {
      // Keep serving the last good build; the message says what to fix.
      this.options.log?.(`web build failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** A built file's bytes and content type (the error pages CloudFront serves in place of an origin's answer). */
  file(pathname: string): { readonly body: Buffer; readonly contentType: string } | undefined {
    this.rebuild();
    const served = this.files.get(pathname);
    return served && { body: served.body, contentType: served.file.contentType };
  }

  /**
   * Answers the request if `pathname` (the object the edge function chose; @default the request's path) names a
   * file of the site; returns false otherwise.
   */
  handle(request: IncomingMessage, response: ServerResponse, pathname?: string): boolean {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    this.rebuild();
    pathname ??= new URL(request.url ?? "/", "http://local").pathname;
    const served = this.files.get(pathname === "/" ? "/index.html" : pathname);
    if (!served) return false;
    const headers: Record<string, string> = {
      ...this.options.headers,
      "content-type": served.file.contentType,
      "cache-control": served.file.cacheControl,
      etag: served.etag,
      vary: "accept-encoding",
    };
    if (request.headers["if-none-match"] === served.etag) {
      response.writeHead(304, headers).end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    const body = gzip ? served.gzip : served.body;
    if (gzip) headers["content-encoding"] = "gzip";
    headers["content-length"] = String(body.length);
    response.writeHead(200, headers);
    response.end(request.method === "HEAD" ? undefined : body);
    return true;
  }

  close(): void {
    this.watcher?.close();
  }
}
