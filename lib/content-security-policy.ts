/**
 * The site's Content-Security-Policy, defined once for the edge (CloudFront response headers policy) and the
 * local server (`npm run dev`). Imports nothing, so stacks and dev code can both use it.
 */

/** Origins beyond `'self'` that one place serving the site allows. */
export interface ContentSecurityPolicySources {
  /** Where the pages fetch from: the uploads endpoint (presigned POST) and the token endpoint. */
  readonly connect: readonly string[];
  /** Where forms may submit to: the sign-in pages. @default [] */
  readonly formAction?: readonly string[];
  /**
   * The identity pool's region: the author page then may call Cognito Identity there for folder credentials
   * (web/src/folders.ts). @default none
   */
  readonly cognitoIdentityRegion?: string;
}

/** A bucket's virtual-hosted S3 endpoint, where presigned POSTs and the author's folder calls go. */
export function bucketOrigin(region: string, bucket: string): string {
  return `https://${bucket}.s3.${region}.amazonaws.com`;
}

/** The policy as a header value: everything `'self'` only, no inline script or style, no framing. */
export function contentSecurityPolicy(sources: ContentSecurityPolicySources): string {
  return [
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "script-src 'self'",
    [
      "connect-src 'self'",
      ...sources.connect,
      ...(sources.cognitoIdentityRegion
        ? [`https://cognito-identity.${sources.cognitoIdentityRegion}.amazonaws.com`]
        : []),
    ].join(" "),
    ["form-action 'self'", ...(sources.formAction ?? [])].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}
