/** The site's CSP: with the author folders, the page may call Cognito Identity and the uploads bucket, nothing wider. */
import { authorFolderOrigins, contentSecurityPolicy } from "../../lib/content-security-policy";

const connectSrc = (csp: string) => csp.split("; ").find((d) => d.startsWith("connect-src"));

test("the folders add Cognito Identity of the region and the bucket's virtual-hosted endpoint to connect-src", () => {
  const folders = { region: "eu-west-1", bucket: "myblog-prod-uploads" };
  expect(authorFolderOrigins(folders)).toEqual([
    "https://cognito-identity.eu-west-1.amazonaws.com",
    "https://myblog-prod-uploads.s3.eu-west-1.amazonaws.com",
  ]);
  expect(connectSrc(contentSecurityPolicy({ connect: ["https://example.com"], folders }))).toBe(
    "connect-src 'self' https://example.com https://cognito-identity.eu-west-1.amazonaws.com https://myblog-prod-uploads.s3.eu-west-1.amazonaws.com",
  );
  expect(connectSrc(contentSecurityPolicy({ connect: [] }))).toBe("connect-src 'self'");
});
