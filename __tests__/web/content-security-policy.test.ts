/** The site's CSP: with the author folders, the page may call Cognito Identity and the uploads bucket, nothing wider. */
import { bucketOrigin, contentSecurityPolicy } from "../../lib/content-security-policy";

const connectSrc = (csp: string) => csp.split("; ").find((d) => d.startsWith("connect-src"));

test("the uploads bucket's virtual-hosted endpoint, and Cognito Identity of the pool's region when there is one", () => {
  const uploads = bucketOrigin("eu-west-1", "myblog-prod-uploads");
  expect(uploads).toBe("https://myblog-prod-uploads.s3.eu-west-1.amazonaws.com");
  expect(connectSrc(contentSecurityPolicy({ connect: [uploads], cognitoIdentityRegion: "eu-west-1" }))).toBe(
    "connect-src 'self' https://myblog-prod-uploads.s3.eu-west-1.amazonaws.com https://cognito-identity.eu-west-1.amazonaws.com",
  );
  expect(connectSrc(contentSecurityPolicy({ connect: [] }))).toBe("connect-src 'self'");
});
