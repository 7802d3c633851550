/** `/dev/oauth2/*`: the local sign-in (OAuth 2.0 authorization code with PKCE), in place of the Cognito hosted UI. */
import { LocalIdentityProvider, OAuthError, signInPage } from "../local-auth";
import type { Listener } from "../services";
import { answer, readBody, send, type RouteFamily } from "./respond";
import type { Site } from "./site";

const AUTHORIZE = "/dev/oauth2/authorize";
const TOKEN = "/dev/oauth2/token";
const MAX_FORM = 64 * 1024;

export function localIdentityProvider(listener: Listener): LocalIdentityProvider {
  return new LocalIdentityProvider(`${listener.origin}/dev`, listener.allowedOrigins);
}

/** The `auth` part of `/config.json`: where the site signs in (the edge stack names Cognito here). */
export function localAuthConfig(identity: LocalIdentityProvider): Record<string, string> {
  return {
    authorizeUrl: AUTHORIZE,
    tokenUrl: TOKEN,
    clientId: identity.clientId,
    scope: "openid email profile",
  };
}

export function signInRoutes(identity: LocalIdentityProvider, site: Site): RouteFamily {
  return {
    owns: (pathname) => pathname.startsWith("/dev/oauth2/"),
    async handle(request, response, url) {
      const noStore = { "cache-control": "no-store" };
      const html = (status: number, page: string) =>
        send(
          response,
          answer(status, { "content-type": "text/html; charset=utf-8", ...noStore }, page),
          site.securityHeaders,
        );
      const oauthError = (error: unknown) => {
        const e = error instanceof OAuthError ? error : new OAuthError("server_error", String(error));
        const body = JSON.stringify({ error: e.code, error_description: e.message });
        send(
          response,
          answer(
            e.code === "invalid_client" ? 401 : 400,
            { "content-type": "application/json", ...noStore },
            body,
          ),
        );
      };
      const readForm = async () =>
        new URLSearchParams((await readBody(request, MAX_FORM))?.toString("utf8") ?? "");
      const stylesheet = site.files.stylesheet;

      if (url.pathname === AUTHORIZE && request.method === "GET") {
        try {
          return html(200, signInPage(identity.validateAuthorizeRequest(url.searchParams), { stylesheet }));
        } catch (error) {
          return oauthError(error);
        }
      }
      if (url.pathname === AUTHORIZE && request.method === "POST") {
        const form = await readForm();
        let authorizeRequest;
        try {
          authorizeRequest = identity.validateAuthorizeRequest(
            new URLSearchParams({
              response_type: "code",
              code_challenge_method: "S256",
              ...Object.fromEntries(form),
            }),
          );
        } catch (error) {
          return oauthError(error);
        }
        const author = { email: form.get("email") ?? "", name: form.get("name") ?? "" };
        try {
          const location = identity.authorize(authorizeRequest, author);
          response.writeHead(303, { location, ...noStore }).end();
        } catch (error) {
          const message = error instanceof OAuthError ? error.message : String(error);
          html(400, signInPage(authorizeRequest, { stylesheet, error: message, ...author }));
        }
        return;
      }
      if (url.pathname === TOKEN && request.method === "POST") {
        try {
          const tokens = identity.exchangeCode(await readForm());
          return send(
            response,
            answer(200, { "content-type": "application/json", ...noStore }, JSON.stringify(tokens)),
          );
        } catch (error) {
          return oauthError(error);
        }
      }
      send(response, answer(404, { "content-type": "text/plain" }, "Not found"));
    },
  };
}
