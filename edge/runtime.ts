/**
 * Runs edge/viewer-request.js in Node the way CloudFront does: the file's text evaluated on its own (no modules,
 * no globals but the language's), `handler(event)` called with CloudFront's viewer-request event (version 1.0).
 * `npm run dev`, the tests and the benchmark all run the function through here.
 */
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import { PROJECT_ROOT } from "../lib/paths";

/** The one file the stack publishes (`aws_cloudfront_function.code`) and the local edge runs. */
export const VIEWER_REQUEST_FILE = path.join(PROJECT_ROOT, "edge", "viewer-request.js");
/** CloudFront Functions' limit on a function's code (docs: "Quotas on CloudFront Functions"). */
export const FUNCTION_CODE_LIMIT_BYTES = 10 * 1024;

export interface CfValue {
  readonly value: string;
}
export interface CfQueryValue extends CfValue {
  readonly multiValue?: readonly CfValue[];
}
export interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, CfQueryValue>;
  headers: Record<string, CfValue>;
  cookies: Record<string, CfValue>;
}
export interface ViewerRequestEvent {
  readonly version: "1.0";
  readonly context: { readonly eventType: "viewer-request"; readonly distributionDomainName?: string };
  readonly viewer: { readonly ip: string };
  readonly request: ViewerRequest;
}
export interface EdgeResponse {
  readonly statusCode: number;
  readonly statusDescription?: string;
  readonly headers?: Record<string, CfValue>;
  readonly body?: { readonly encoding: "text" | "base64"; readonly data: string };
}
export type ViewerRequestHandler = (event: ViewerRequestEvent) => ViewerRequest | EdgeResponse;

export function viewerRequestCode(): string {
  return fs.readFileSync(VIEWER_REQUEST_FILE, "utf8");
}

/** The handler of the file's current text, in a fresh context (as a new function version would run). */
export function loadViewerRequest(code = viewerRequestCode()): ViewerRequestHandler {
  const context = vm.createContext({});
  vm.runInContext(code, context, { filename: VIEWER_REQUEST_FILE });
  const handler: unknown = vm.runInContext("typeof handler === 'function' ? handler : undefined", context);
  if (typeof handler !== "function") throw new Error(`${VIEWER_REQUEST_FILE} defines no handler(event)`);
  return handler as ViewerRequestHandler;
}

export function isEdgeResponse(result: ViewerRequest | EdgeResponse): result is EdgeResponse {
  return "statusCode" in result;
}

/**
 * CloudFront's event for a request: headers lower-cased as `{ value }` (repeated ones joined with commas, as
 * CloudFront does for most headers), query parameters as `{ value }` with `multiValue` when repeated, the URI
 * without its query string.
 */
export function viewerRequestEvent(
  method: string,
  url: string,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  viewerIp = "127.0.0.1",
): ViewerRequestEvent {
  const parsed = new URL(url, "http://edge.invalid");
  const querystring: Record<string, CfQueryValue> = {};
  // Names and values as the viewer sent them: CloudFront does not decode them.
  for (const pair of parsed.search.slice(1).split("&").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = { value: eq < 0 ? "" : pair.slice(eq + 1) };
    const prior = querystring[name];
    querystring[name] = prior
      ? { value: prior.value, multiValue: [...(prior.multiValue ?? [prior]), value] }
      : value;
  }
  const cfHeaders: Record<string, CfValue> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    cfHeaders[name.toLowerCase()] = { value: Array.isArray(value) ? value.join(",") : String(value) };
  }
  return {
    version: "1.0",
    context: { eventType: "viewer-request" },
    viewer: { ip: viewerIp },
    request: { method, uri: parsed.pathname, querystring, headers: cfHeaders, cookies: {} },
  };
}
