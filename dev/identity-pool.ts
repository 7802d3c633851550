/**
 * Local stand-in for the Cognito identity pool of the authors (`npm run dev`): `GetId` and
 * `GetCredentialsForIdentity` of the AWS JSON 1.1 protocol, for ID tokens of the local sign-in (dev/local-auth.ts),
 * with unauthenticated identities disabled as deployed. Each author gets a stable identity id and, per call,
 * temporary credentials that the upload-policy proxy maps back to that identity to apply the role's statements.
 *
 * What it checks: the pool id, that `Logins` holds exactly the local provider's valid, unexpired ID token, and that
 * the identity asked for belongs to that token. What it does not: role mapping, developer-authenticated
 * identities, `GetOpenIdToken`, merging identities, or any limit on how many credentials are handed out.
 */
import { randomBytes } from "crypto";
import { stableUuid, type LocalIdentityProvider } from "./local-auth";

export const IDENTITY_TARGET_PREFIX = "AWSCognitoIdentityService.";
const CREDENTIALS_TTL_S = 3600;

export class CognitoIdentityError extends Error {
  override readonly name = "CognitoIdentityError";
  constructor(
    /** The `__type` Cognito answers with, e.g. `NotAuthorizedException`. */
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface TemporaryCredentials {
  readonly identityId: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ms since the epoch */
  readonly expiresAt: number;
}

export class LocalIdentityPool {
  readonly identityPoolId: string;
  /** The `Logins` key of the local provider's tokens: its issuer without the scheme, as for an OIDC provider. */
  readonly loginProvider: string;
  private readonly issued = new Map<string, TemporaryCredentials>();

  constructor(
    private readonly provider: LocalIdentityProvider,
    readonly region: string,
  ) {
    this.identityPoolId = `${region}:${stableUuid("local-identity-pool")}`;
    const issuer = new URL(provider.issuer);
    this.loginProvider = `${issuer.host}${issuer.pathname}`;
  }

  /** The identity id of an author (`<region>:<uuid>`), the same on every start. */
  identityIdOf(sub: string): string {
    return `${this.region}:${stableUuid(`local-identity:${sub}`)}`;
  }

  /** Credentials handed out earlier, by access key id (expired ones too: the caller says they expired). */
  credentialsFor(accessKeyId: string): TemporaryCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  private authenticatedSub(logins: unknown): string {
    const entries = logins && typeof logins === "object" ? Object.entries(logins) : [];
    if (entries.length === 0)
      throw new CognitoIdentityError(
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
      );
    const [provider, token] = entries[0];
    if (entries.length > 1 || provider !== this.loginProvider)
      throw new CognitoIdentityError(
        "NotAuthorizedException",
        `Invalid login token. Only ${this.loginProvider} is a provider of this identity pool.`,
      );
    const claims = this.provider.verifyAuthorization(`Bearer ${String(token)}`);
    if (!claims?.sub || claims.token_use !== "id")
      throw new CognitoIdentityError(
        "NotAuthorizedException",
        "Invalid login token. The token is not a valid, unexpired ID token of the provider.",
      );
    return claims.sub;
  }

  getId(input: Record<string, unknown>): { IdentityId: string } {
    if (input.IdentityPoolId !== this.identityPoolId)
      throw new CognitoIdentityError(
        "ResourceNotFoundException",
        `IdentityPool '${String(input.IdentityPoolId)}' not found.`,
      );
    return { IdentityId: this.identityIdOf(this.authenticatedSub(input.Logins)) };
  }

  getCredentialsForIdentity(input: Record<string, unknown>): {
    IdentityId: string;
    Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string; Expiration: number };
  } {
    if (typeof input.IdentityId !== "string" || input.IdentityId === "")
      throw new CognitoIdentityError("InvalidParameterException", "IdentityId is required.");
    const sub = this.authenticatedSub(input.Logins);
    if (this.identityIdOf(sub) !== input.IdentityId)
      throw new CognitoIdentityError(
        "NotAuthorizedException",
        "Invalid login token. The token does not belong to this identity.",
      );
    const credentials: TemporaryCredentials = {
      identityId: input.IdentityId,
      accessKeyId: `ASIA${randomBytes(10).toString("hex").toUpperCase().slice(0, 16)}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(48).toString("base64"),
      expiresAt: Date.now() + CREDENTIALS_TTL_S * 1000,
    };
    this.issued.set(credentials.accessKeyId, credentials);
    return {
      IdentityId: credentials.identityId,
      Credentials: {
        AccessKeyId: credentials.accessKeyId,
        SecretKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken,
        // The JSON 1.1 protocol's timestamps are seconds since the epoch.
        Expiration: Math.floor(credentials.expiresAt / 1000),
      },
    };
  }

  /** One call of the JSON 1.1 protocol: the `X-Amz-Target` header and the body → status and JSON answer. */
  call(target: string | undefined, body: string): { status: number; body: string } {
    try {
      let input: unknown;
      try {
        input = JSON.parse(body || "{}");
      } catch {
        throw new CognitoIdentityError("SerializationException", "The request body is not JSON.");
      }
      if (!input || typeof input !== "object" || Array.isArray(input))
        throw new CognitoIdentityError("SerializationException", "The request body is not a JSON object.");
      const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
        GetId: (i) => this.getId(i),
        GetCredentialsForIdentity: (i) => this.getCredentialsForIdentity(i),
      };
      const operation = target?.startsWith(IDENTITY_TARGET_PREFIX)
        ? operations[target.slice(IDENTITY_TARGET_PREFIX.length)]
        : undefined;
      if (!operation)
        throw new CognitoIdentityError(
          "UnknownOperationException",
          `The local identity pool answers ${Object.keys(operations).join(" and ")} only (X-Amz-Target: ${target ?? "none"}).`,
        );
      return { status: 200, body: JSON.stringify(operation(input as Record<string, unknown>)) };
    } catch (error) {
      if (!(error instanceof CognitoIdentityError)) throw error;
      return { status: error.status, body: JSON.stringify({ __type: error.code, message: error.message }) };
    }
  }
}
