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
   * The identity pool's region and the uploads bucket: the author page then may call Cognito Identity and the
   * bucket with folder credentials (`authorFolderOrigins`). @default none
   */
  readonly folders?: { readonly region: string; readonly bucket: string };
}

/**
 * What the author page connects to with the identity pool's credentials (web/src/folders.ts): Cognito Identity of
 * the region and the uploads bucket's virtual-hosted S3 endpoint.
 */
export function authorFolderOrigins(folders: { readonly region: string; readonly bucket: string }): string[] {
  return [
    `https://cognito-identity.${folders.region}.amazonaws.com`,
    `https://${folders.bucket}.s3.${folders.region}.amazonaws.com`,
  ];
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
      ...(sources.folders ? authorFolderOrigins(sources.folders) : []),
    ].join(" "),
    ["form-action 'self'", ...(sources.formAction ?? [])].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}
