/**
 * Runtime configuration, fetched from `/config.json` next to the pages. The same build then serves every
 * environment: the edge stack writes the deployed values (Cognito domain or external issuer, app client id),
 * and `npm run dev` answers with its local sign-in endpoints.
 */

export interface AuthConfig {
  /** OAuth 2.0 authorization endpoint, e.g. `https://<domain>.auth.<region>.amazoncognito.com/oauth2/authorize`. */
  readonly authorizeUrl: string;
  /** OAuth 2.0 token endpoint (code + PKCE exchange; a public client, no secret). */
  readonly tokenUrl: string;
  readonly clientId: string;
  /** @default "openid email profile" */
  readonly scope?: string;
  /** Where to send the browser to end the identity provider's session, e.g. Cognito's `/logout`. */
  readonly logoutUrl?: string;
}

/**
 * The author's own folders in the uploads bucket (shared/author-folders.ts), reached with temporary credentials of
 * a Cognito identity pool. Absent where there is no identity pool (an external JWT issuer): the page then uploads
 * with the API's presigned POST only.
 */
export interface FoldersConfig {
  readonly identityPoolId: string;
  readonly region: string;
  /** The uploads bucket. */
  readonly bucket: string;
  /** The `Logins` key the ID token is given under: `cognito-idp.<region>.amazonaws.com/<user pool id>`. */
  readonly loginProvider: string;
  /** `npm run dev` only: the local stand-ins of the Cognito Identity and S3 endpoints. */
  readonly identityEndpoint?: string;
  readonly s3Endpoint?: string;
}

export interface SiteConfig {
  /** Absent when the environment has no author sign-in configured. */
  readonly auth?: AuthConfig;
  readonly folders?: FoldersConfig;
}

let cached: Promise<SiteConfig> | undefined;

export function loadConfig(): Promise<SiteConfig> {
  cached ??= fetch("/config.json", { headers: { accept: "application/json" } })
    .then((response) => (response.ok ? (response.json() as Promise<SiteConfig>) : {}))
    .catch(() => ({}));
  return cached;
}
