/**
 * Author sign-in for the site through the Cognito hosted UI: the authors' user pool (the api stack's), and the app client (authorization code + PKCE, a public
 * client) with the site's callback URLs, the JWT authorizer that accepts its tokens, and the author routes behind
 * it. It lives where the site's address is known (the edge stack, next to CloudFront): the callback URLs need the
 * distribution, the distribution needs the API, and the authorizer needs the client, so the api stack cannot hold
 * any of the three without a cycle between stacks.
 */
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { API_ROUTES } from "./api-routes";
import { declareRoutes, jwtAuthorizer } from "./http-api-routes";
import { StackContext } from "./stack-context";
import { deletionProtected } from "./teardown";

/** What the api stack hands over in Cognito mode. */
export interface AuthorPool {
  readonly userPoolId: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>` */
  readonly issuer: string;
  /** Hosted UI, `https://<prefix>.auth.<region>.amazoncognito.com` */
  readonly hostedUiUrl: string;
}

/** The authors' user pool (`authors`) and its hosted UI domain (`authors-domain`); the app client is the edge stack's. */
export function authorUserPool(scope: Construct): AuthorPool {
  const { names, region, accountId, env } = StackContext.of(scope);
  const pool = new CognitoUserPool(scope, "authors", {
    name: names.resource("authors"),
    // Authors are invited, not self-registered.
    adminCreateUserConfig: { allowAdminCreateUserOnly: true },
    usernameAttributes: ["email"],
    autoVerifiedAttributes: ["email"],
    mfaConfiguration: "OPTIONAL",
    softwareTokenMfaConfiguration: { enabled: true },
    passwordPolicy: {
      minimumLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: false,
      temporaryPasswordValidityDays: 3,
    },
    accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
    // Authors' accounts: kept from deletion in production until the environment is torn down (lib/teardown.ts).
    deletionProtection: deletionProtected(env.production, env) ? "ACTIVE" : "INACTIVE",
  });
  // Prefixes are global per region across all accounts: a hash of the account id makes this one unique and
  // keeps it stable (hex has no "aws", which Cognito refuses in a prefix).
  const domain = new CognitoUserPoolDomain(scope, "authors-domain", {
    domain: `${names.resource("authors", 52)}-${Fn.substr(Fn.sha256(accountId), 0, 10)}`,
    userPoolId: pool.id,
  });
  return {
    userPoolId: pool.id,
    issuer: `https://cognito-idp.${region}.amazonaws.com/${pool.id}`,
    hostedUiUrl: `https://${domain.domain}.auth.${region}.amazoncognito.com`,
  };
}

export interface AuthorSignInProps {
  readonly pool: AuthorPool;
  /** The HTTP API and the integration its author routes target. */
  readonly apiId: string;
  readonly integrationId: string;
  /** `https://<site host>`, no trailing slash. */
  readonly siteUrl: string;
  /** App client name. */
  readonly clientName: string;
}

/** What the site reads from `/config.json` (web/src/config.ts). */
export interface SiteAuthConfig {
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly logoutUrl: string;
  readonly clientId: string;
}

export class AuthorSignIn extends Construct {
  public readonly clientId: string;
  public readonly siteConfig: SiteAuthConfig;

  constructor(scope: Construct, id: string, props: AuthorSignInProps) {
    super(scope, id);
    const { siteUrl } = props;
    const client = new CognitoUserPoolClient(this, "client", {
      name: props.clientName,
      userPoolId: props.pool.userPoolId,
      // A browser app cannot keep a secret: authorization code flow with PKCE, or SRP.
      generateSecret: false,
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ["code"],
      allowedOauthScopes: ["openid", "email", "profile"],
      supportedIdentityProviders: ["COGNITO"],
      callbackUrls: [`${siteUrl}/`, `${siteUrl}/author`],
      logoutUrls: [`${siteUrl}/`],
      preventUserExistenceErrors: "ENABLED",
      accessTokenValidity: 60,
      idTokenValidity: 60,
      refreshTokenValidity: 30,
      tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "days" }],
      enableTokenRevocation: true,
    });
    this.clientId = client.id;

    const authorizer = jwtAuthorizer(this, {
      apiId: props.apiId,
      issuer: props.pool.issuer,
      audience: [client.id],
    });
    declareRoutes(this, {
      apiId: props.apiId,
      integrationId: props.integrationId,
      routes: API_ROUTES.filter((route) => route.auth === "jwt"),
      authorizerId: authorizer.id,
    });

    const base = props.pool.hostedUiUrl;
    this.siteConfig = {
      authorizeUrl: `${base}/oauth2/authorize`,
      tokenUrl: `${base}/oauth2/token`,
      logoutUrl: `${base}/logout`,
      clientId: client.id,
    };
  }
}
