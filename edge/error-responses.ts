/**
 * The distribution's custom error responses, one table for CloudFront (lib/site-distribution.ts) and the local edge
 * of `npm run dev`. CloudFront applies custom error responses to every behaviour of a distribution, the API's
 * included, by status code alone: a code the API answers with its own JSON error must get no page here, or API
 * clients would receive HTML instead. The API's own codes are handlers/api/http.ts's (4xx and 503); API Gateway and
 * CloudFront themselves answer 502 (bad gateway, Lambda failed) and 504 (timeout), never the API's JSON. So:
 *  - 502 and 504 get the "temporarily unavailable" page, status kept;
 *  - 503 only gets a short error-caching TTL: S3 rarely answers it, the API's 503 JSON must pass;
 *  - the site's 404 page is the viewer-request function's (edge/viewer-request.js), which runs on the site's
 *    behaviour only.
 */
export const UNAVAILABLE_PAGE = "/unavailable.html";
/** What the unavailable page asks readers to wait (its meta refresh and text, web/src/html/unavailable.html). */
export const RETRY_AFTER_SECONDS = 30;

export interface ErrorResponse {
  readonly errorCode: number;
  /** The page served instead, with the same status. @default none: the origin's own answer passes */
  readonly page?: string;
  /** How long CloudFront caches the error before asking the origin again (CloudFront's default is 10 s). */
  readonly cachingSeconds: number;
}

export const ERROR_RESPONSES: readonly ErrorResponse[] = [
  { errorCode: 502, page: UNAVAILABLE_PAGE, cachingSeconds: 5 },
  { errorCode: 503, cachingSeconds: 5 },
  { errorCode: 504, page: UNAVAILABLE_PAGE, cachingSeconds: 5 },
];
