/**
 * Author sign-in with the OAuth 2.0 authorization-code flow and PKCE (S256), as a public client: the code
 * path used with Cognito's hosted UI, an external OIDC issuer, and the local sign-in of `npm run dev`.
 * The ID token (claims sub, email, name) is sent as the Bearer token that the API's JWT authorizer checks.
 * Tokens live in sessionStorage: they go away with the tab and are never written to cookies.
 */
import type { AuthConfig } from "./config";

export interface Session {
  readonly token: string;
  readonly sub: string;
  readonly email: string;
  readonly name: string;
  readonly expiresAt: number;
}

export class SignInError extends Error {
  override readonly name = "SignInError";
}

const SESSION_KEY = "blog.session";
const PENDING_KEY = "blog.pendingSignIn";

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** Reads the claims of a JWT without verifying it: the API's authorizer does that; the page only displays them. */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (!payload) throw new SignInError("The identity provider returned a token that is not a JWT");
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

export async function beginSignIn(config: AuthConfig): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, redirectUri: redirectUri() }));
  const url = new URL(config.authorizeUrl, location.href);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope ?? "openid email profile",
    state,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

/** Finishes a sign-in when the identity provider sent the browser back with `?code=&state=`. */
export async function completeSignIn(config: AuthConfig): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return null;
  history.replaceState(null, "", location.pathname);
  if (error) throw new SignInError(`Sign-in failed: ${params.get("error_description") ?? error}`);

  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as {
    verifier: string;
    state: string;
    redirectUri: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || pending.state !== params.get("state")) {
    throw new SignInError("Sign-in could not be completed (the state does not match). Please sign in again.");
  }
  const response = await fetch(new URL(config.tokenUrl, location.href), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code: code ?? "",
      redirect_uri: pending.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new SignInError(`Sign-in failed: the token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { id_token?: string };
  if (!tokens.id_token) throw new SignInError("Sign-in failed: no ID token was returned");
  const session = sessionFromToken(tokens.id_token);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function sessionFromToken(token: string): Session {
  const claims = decodeJwtClaims(token);
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  if (!sub) throw new SignInError("The ID token has no subject");
  const email = typeof claims.email === "string" ? claims.email : "";
  const name =
    [claims.name, claims["cognito:username"], email].find(
      (v): v is string => typeof v === "string" && v !== "",
    ) ?? sub;
  const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + 3600_000;
  return { token, sub, email, name, expiresAt: exp };
}

export function currentSession(): Session | null {
  const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
  if (!session || session.expiresAt <= Date.now() + 30_000) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
  return session;
}

export function signOut(config: AuthConfig | undefined): void {
  sessionStorage.removeItem(SESSION_KEY);
  if (config?.logoutUrl) {
    const url = new URL(config.logoutUrl, location.href);
    url.searchParams.set("client_id", config.clientId);
    url.searchParams.set("logout_uri", `${location.origin}/`);
    location.assign(url.toString());
  } else location.assign("/");
}
