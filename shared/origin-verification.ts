/**
 * How the API knows a request came through this environment's CloudFront distribution, decided once for the edge
 * stack (which makes CloudFront send it), the API (which checks it), the local edge of `npm run dev` and the
 * pre-traffic hook: the header names, and the mark of a direct Lambda invocation.
 */

/**
 * The origin-verification header: CloudFront adds it to every request to the API origin (an origin custom header,
 * which replaces any header of that name a viewer sends) with a generated value the API compares in constant time.
 * Lower case, as the API reads headers.
 */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

/**
 * The reader's address and source port as CloudFront saw them (`198.51.100.10:46532`, `2001:db8::1:46532`), sent to
 * the API because its origin request policy forwards it. Trusted only on a request that carries a valid
 * origin-verification value. Spelled as CloudFront documents it (the API reads header names in lower case).
 */
export const VIEWER_ADDRESS_HEADER = "CloudFront-Viewer-Address";

/**
 * `requestContext.apiId` of an event that a principal with `lambda:InvokeFunction` sent straight to the API function
 * (the pre-traffic hook's `GET /api/health`). API Gateway always sets the API's own id there, whatever the client
 * sends, so no request through API Gateway carries this mark.
 */
export const DIRECT_INVOCATION_API_ID = "release-hook";

/**
 * What the API does with a request that carries no origin-verification value (`api.originVerification`): `enforce`
 * refuses it (403); `accept-unverified` serves it without trusting its viewer headers, for the first rollout of the
 * check to an environment whose CloudFront does not send the value yet. A wrong value is refused in both.
 */
export const ORIGIN_VERIFICATION_MODES = ["enforce", "accept-unverified"] as const;
export type OriginVerificationMode = (typeof ORIGIN_VERIFICATION_MODES)[number];

/**
 * Tag of the API function holding `api.acceptUnverifiedUntil`, for the rule pack's BLOG_API_ORIGIN_VERIFIED (and an
 * operator in the console) to read: a date is not the function's business, so it is no variable.
 */
export const ACCEPT_UNVERIFIED_UNTIL_KEY = "accept-unverified-until";
