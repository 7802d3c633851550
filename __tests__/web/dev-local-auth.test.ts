/** The local sign-in: OAuth 2.0 code flow with PKCE, and the JWT authorizer that checks its tokens. */
import { createHash, randomBytes } from "crypto";
import { LocalIdentityProvider, localSubject, OAuthError, signInPage } from "../../dev/local-auth";

const SITE = "http://127.0.0.1:3000";
const idp = () => new LocalIdentityProvider(`${SITE}/dev`, () => [SITE]);
const verifier = randomBytes(32).toString("base64url");
const challenge = createHash("sha256").update(verifier).digest("base64url");
const authorizeQuery = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    response_type: "code",
    client_id: "local-dev",
    redirect_uri: `${SITE}/author.html`,
    state: "s1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...overrides,
  });

function signIn(provider: LocalIdentityProvider): { code: string; location: URL } {
  const request = provider.validateAuthorizeRequest(authorizeQuery());
  const location = new URL(provider.authorize(request, { email: " Ada@Example.com ", name: "Ada" }));
  return { code: location.searchParams.get("code") ?? "", location };
}

const tokenForm = (code: string, overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    grant_type: "authorization_code",
    client_id: "local-dev",
    code,
    redirect_uri: `${SITE}/author.html`,
    code_verifier: verifier,
    ...overrides,
  });

test("code + PKCE gives an ID token whose claims the authorizer passes on as strings", () => {
  const provider = idp();
  const { code, location } = signIn(provider);
  expect(location.origin + location.pathname).toBe(`${SITE}/author.html`);
  expect(location.searchParams.get("state")).toBe("s1");

  const tokens = provider.exchangeCode(tokenForm(code));
  expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
  const claims = provider.verifyAuthorization(`Bearer ${tokens.id_token}`);
  expect(claims).toMatchObject({
    sub: localSubject("ada@example.com"),
    email: "ada@example.com",
    name: "Ada",
    iss: `${SITE}/dev`,
    aud: "local-dev",
    email_verified: "true",
  });
  expect(typeof claims?.exp).toBe("string");
  // Access tokens carry client_id instead of aud; the authorizer accepts either, like API Gateway's.
  expect(provider.verifyAuthorization(`Bearer ${tokens.access_token}`)).toMatchObject({
    client_id: "local-dev",
    token_use: "access",
  });
});

test("the subject is stable per e-mail and shaped like Cognito's (a UUID)", () => {
  expect(localSubject("a@example.com")).toBe(localSubject("a@example.com"));
  expect(localSubject("a@example.com")).not.toBe(localSubject("b@example.com"));
  expect(localSubject("a@example.com")).toMatch(
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
  );
});

test("authorization requests are checked: response type, client, redirect origin, PKCE", () => {
  const provider = idp();
  const refused = (overrides: Record<string, string>, message: RegExp) => {
    expect(() => provider.validateAuthorizeRequest(authorizeQuery(overrides))).toThrow(message);
  };
  refused({ response_type: "token" }, /Only response_type "code"/);
  refused({ client_id: "other" }, /Unknown client_id "other"/);
  refused({ redirect_uri: "https://evil.example/cb" }, /redirect_uri must point at this site/);
  refused({ redirect_uri: "/author.html" }, /redirect_uri must be an absolute URL/);
  refused({ code_challenge_method: "plain" }, /PKCE is required/);
  refused({ code_challenge: "short" }, /code_challenge must be a base64url SHA-256 digest/);
  expect(() => provider.validateAuthorizeRequest(new URLSearchParams())).toThrow(
    /The "response_type" parameter is required/,
  );

  const request = provider.validateAuthorizeRequest(authorizeQuery());
  expect(() => provider.authorize(request, { email: "nope", name: "A" })).toThrow(
    /Enter a valid e-mail address/,
  );
  expect(() => provider.authorize(request, { email: "a@example.com", name: " " })).toThrow(/Enter a name/);
});

test("codes are single use and bound to the verifier, client and redirect URI", () => {
  const provider = idp();
  const code = (form: Record<string, string>) => {
    try {
      provider.exchangeCode(tokenForm(signIn(provider).code, form));
      return "ok";
    } catch (error) {
      return (error as OAuthError).code;
    }
  };
  expect(code({ code_verifier: randomBytes(32).toString("base64url") })).toBe("invalid_grant");
  expect(code({ code_verifier: "x" })).toBe("invalid_request");
  expect(code({ client_id: "other" })).toBe("invalid_client");
  expect(code({ redirect_uri: `${SITE}/other.html` })).toBe("invalid_grant");
  expect(code({ grant_type: "password" })).toBe("unsupported_grant_type");

  const { code: once } = signIn(provider);
  provider.exchangeCode(tokenForm(once));
  expect(() => provider.exchangeCode(tokenForm(once))).toThrow(/unknown, used or expired/);
});

test("the authorizer refuses tampered, foreign, expired and missing tokens", () => {
  const provider = idp();
  const { id_token: token } = provider.exchangeCode(tokenForm(signIn(provider).code));
  const [head, body, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(body, "base64url").toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" })).toString("base64url");

  expect(provider.verifyAuthorization(undefined)).toBeNull();
  expect(provider.verifyAuthorization(token)).toBeNull(); // no "Bearer "
  expect(provider.verifyAuthorization(`Bearer ${head}.${forged}.${signature}`)).toBeNull();
  expect(idp().verifyAuthorization(`Bearer ${token}`)).toBeNull(); // another server's key
  expect(
    provider.verifyAuthorization(
      `Bearer ${provider.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 })}`,
    ),
  ).toBeNull();
  expect(
    provider.verifyAuthorization(`Bearer ${provider.sign({ ...claims, iss: "https://other" })}`),
  ).toBeNull();
  expect(
    provider.verifyAuthorization(`Bearer ${provider.sign({ ...claims, aud: "other-client" })}`),
  ).toBeNull();
  expect(provider.verifyAuthorization(`Bearer ${provider.sign(claims)}`)).toMatchObject({ sub: claims.sub });
});

test("the sign-in page escapes what it echoes", () => {
  const html = signInPage(
    { clientId: "local-dev", redirectUri: `${SITE}/a"><script>x</script>`, state: "<s>", codeChallenge: "c" },
    { error: "<b>bad</b>", email: '"><img>' },
  );
  expect(html).not.toMatch(/<script>|<b>bad|<img>|<s>/);
  expect(html).toContain("&#60;b&#62;bad&#60;/b&#62;");
  expect(html).toContain('<label for="email">E-mail</label>');
});
