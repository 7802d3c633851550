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

export interface SiteConfig {
  /** Absent when the environment has no author sign-in configured. */
  readonly auth?: AuthConfig;
}

let cached: Promise<SiteConfig> | undefined;

export function loadConfig(): Promise<SiteConfig> {
  cached ??= fetch("/config.json", { headers: { accept: "application/json" } })
    .then((response) => (response.ok ? (response.json() as Promise<SiteConfig>) : {}))
    .catch(() => ({}));
  return cached;
}
