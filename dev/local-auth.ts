/**
 * Local stand-in for the author sign-in: a tiny OAuth 2.0 authorization server (code flow with PKCE S256,
 * public client) that issues signed ID tokens with the claims the API's JWT authorizer passes on (sub, email,
 * name), and the authorizer's check of those tokens. The browser runs the same code path as with Cognito.
 *
 * Development only: anyone who can reach the dev server can sign in as any author, with no password.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "crypto";
import type { JwtClaims } from "./http-api";

export const LOCAL_CLIENT_ID = "local-dev";
const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 3600;

export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    /** An RFC 6749 error code, e.g. `invalid_request` or `invalid_grant`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly claims: { readonly sub: string; readonly email: string; readonly name: string };
  readonly expiresAt: number;
}

export interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
}

function base64Url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/** A UUID (version 4 in shape) made from `seed`: the same on every start of the environment. */
export function stableUuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A stable UUID-shaped subject per e-mail address, so an author keeps their posts across restarts. */
export function localSubject(email: string): string {
  return stableUuid(`local-author:${email}`);
}

export class LocalIdentityProvider {
  private readonly secret = randomBytes(32);
  private readonly codes = new Map<string, PendingCode>();

  /**
   * @param issuer the `iss` of the tokens, e.g. `http://127.0.0.1:3000/dev`
   * @param allowedOrigins origins a `redirect_uri` may point at (the dev site)
   */
  constructor(
    readonly issuer: string,
    private readonly allowedOrigins: () => readonly string[],
    readonly clientId: string = LOCAL_CLIENT_ID,
  ) {}

  /** Checks the query of `GET /authorize` before the sign-in form is shown. */
  validateAuthorizeRequest(params: URLSearchParams): AuthorizeRequest {
    const get = (name: string): string => {
      const value = params.get(name);
      if (!value) throw new OAuthError("invalid_request", `The "${name}" parameter is required`);
      return value;
    };
    if (get("response_type") !== "code")
      throw new OAuthError("unsupported_response_type", 'Only response_type "code" is supported');
    const clientId = get("client_id");
    if (clientId !== this.clientId)
      throw new OAuthError("unauthorized_client", `Unknown client_id "${clientId}"`);
    const redirectUri = get("redirect_uri");
    let origin: string;
    try {
      origin = new URL(redirectUri).origin;
    } catch {
      throw new OAuthError("invalid_request", "redirect_uri must be an absolute URL");
    }
    if (!this.allowedOrigins().includes(origin))
      throw new OAuthError(
        "invalid_request",
        `redirect_uri must point at this site (${this.allowedOrigins().join(", ")})`,
      );
    if (get("code_challenge_method") !== "S256")
      throw new OAuthError("invalid_request", 'PKCE is required: code_challenge_method must be "S256"');
    const codeChallenge = get("code_challenge");
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      throw new OAuthError("invalid_request", "code_challenge must be a base64url SHA-256 digest");
    return { clientId, redirectUri, state: params.get("state") ?? "", codeChallenge };
  }

  /** The author submitted the sign-in form: returns where to send the browser (`redirect_uri?code=&state=`). */
  authorize(request: AuthorizeRequest, author: { readonly email: string; readonly name: string }): string {
    const email = author.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
      throw new OAuthError("invalid_request", "Enter a valid e-mail address");
    const name = author.name.trim();
    if (!name || name.length > 100)
      throw new OAuthError("invalid_request", "Enter a name of 1 to 100 characters");
    const code = base64Url(randomBytes(24));
    this.codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      challenge: request.codeChallenge,
      claims: { sub: localSubject(email), email, name },
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    const target = new URL(request.redirectUri);
    target.searchParams.set("code", code);
    if (request.state) target.searchParams.set("state", request.state);
    return target.toString();
  }

  /** `POST /token` with `grant_type=authorization_code`: checks the code, client, redirect URI and PKCE verifier. */
  exchangeCode(form: URLSearchParams): {
    id_token: string;
    access_token: string;
    token_type: "Bearer";
    expires_in: number;
  } {
    if (form.get("grant_type") !== "authorization_code")
      throw new OAuthError("unsupported_grant_type", 'Only grant_type "authorization_code" is supported');
    const code = form.get("code") ?? "";
    const pending = this.codes.get(code);
    this.codes.delete(code); // single use, even when the rest of the request is wrong
    if (!pending || pending.expiresAt < Date.now())
      throw new OAuthError("invalid_grant", "The authorization code is unknown, used or expired");
    if (form.get("client_id") !== pending.clientId)
      throw new OAuthError("invalid_client", "client_id does not match the authorization request");
    if (form.get("redirect_uri") !== pending.redirectUri)
      throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
    const verifier = form.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
      throw new OAuthError("invalid_request", "code_verifier must be 43 to 128 unreserved characters");
    const challenge = base64Url(createHash("sha256").update(verifier).digest());
    if (challenge !== pending.challenge)
      throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");

    const now = Math.floor(Date.now() / 1000);
    const common = { iss: this.issuer, sub: pending.claims.sub, iat: now, exp: now + TOKEN_TTL_S };
    const idToken = this.sign({
      ...common,
      aud: pending.clientId,
      token_use: "id",
      email: pending.claims.email,
      email_verified: true,
      name: pending.claims.name,
      "cognito:username": pending.claims.email,
    });
    const accessToken = this.sign({
      ...common,
      client_id: pending.clientId,
      token_use: "access",
      scope: "openid email profile",
    });
    return { id_token: idToken, access_token: accessToken, token_type: "Bearer", expires_in: TOKEN_TTL_S };
  }

  sign(payload: Record<string, unknown>): string {
    const header = base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = base64Url(JSON.stringify(payload));
    const signature = base64Url(createHmac("sha256", this.secret).update(`${header}.${body}`).digest());
    return `${header}.${body}.${signature}`;
  }

  /**
   * The JWT authorizer: a valid signature, this issuer, this client as audience (`aud` or `client_id`), not
   * expired. Returns the claims as payload 2.0 passes them (strings), or null (API Gateway answers 401).
   */
  verifyAuthorization(header: string | undefined): JwtClaims | null {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
    if (!token) return null;
    const [head, body, signature] = token.split(".");
    if (!head || !body || !signature) return null;
    const expected = createHmac("sha256", this.secret).update(`${head}.${body}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
      return null;
    }
    const now = Date.now() / 1000;
    if (claims.iss !== this.issuer || typeof claims.exp !== "number" || claims.exp <= now) return null;
    if (claims.aud !== this.clientId && claims.client_id !== this.clientId) return null;
    return Object.fromEntries(
      Object.entries(claims).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The local sign-in form (what Cognito's hosted UI is in AWS), styled with the site's stylesheet. */
export function signInPage(
  request: AuthorizeRequest,
  options: {
    readonly stylesheet?: string;
    readonly error?: string;
    readonly email?: string;
    readonly name?: string;
  },
): string {
  const hidden = Object.entries({
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    code_challenge: request.codeChallenge,
  })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local development) · Photo blog</title><meta name="robots" content="noindex"><link rel="icon" href="data:,">${options.stylesheet ? `<link rel="stylesheet" href="${escapeHtml(options.stylesheet)}">` : ""}</head>
<body><header class="site-header"><a class="brand" href="/">Photo blog</a></header><main id="main"><h1>Sign in</h1>
<p class="meta">Local development sign-in: no password. In AWS this step is the Cognito hosted UI or your identity provider.</p>
${options.error ? `<p class="status error" role="alert">${escapeHtml(options.error)}</p>` : ""}
<form method="post" action="/dev/oauth2/authorize">${hidden}
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(options.email ?? "author@example.com")}">
<label for="name">Name</label><input id="name" name="name" autocomplete="name" required value="${escapeHtml(options.name ?? "Local Author")}">
<button type="submit">Sign in</button></form></main></body></html>`;
}
