/**
 * The local identity pool (dev/identity-pool.ts) through the real Cognito Identity client, and the upload-policy
 * proxy applying the role's statements to S3 requests signed with the credentials it hands out.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import { identityCredentials } from "../../dev/harness";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { createServer, type Server } from "http";
import type { AddressInfo } from "net";
import { LocalIdentityPool } from "../../dev/identity-pool";
import { LocalIdentityProvider } from "../../dev/local-auth";
import { identityPoolRoutes } from "../../dev/routes/identity-pool";
import { startUploadPolicyProxy, type UploadPolicyProxy } from "../../dev/upload-policy-proxy";
import { startAwsLocal, type AwsLocal } from "../../local/aws-local";
import { uploadKey } from "../../shared/author-folders";

jest.setTimeout(60_000);

const SITE = "http://127.0.0.1:3000";
const provider = new LocalIdentityProvider(`${SITE}/dev`, () => [SITE]);
const pool = new LocalIdentityPool(provider, "us-east-1");
const now = () => Math.floor(Date.now() / 1000);
const idToken = (sub: string, extra: Record<string, unknown> = {}) =>
  provider.sign({
    iss: provider.issuer,
    aud: provider.clientId,
    sub,
    token_use: "id",
    exp: now() + 600,
    ...extra,
  });

let server: Server;
let identityEndpoint: string;
let cognito: CognitoIdentityClient;
let aws: AwsLocal;
let proxy: UploadPolicyProxy;

beforeAll(async () => {
  const routes = identityPoolRoutes(pool);
  server = createServer((request, response) => void routes.handle(request, response, new URL(SITE)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  identityEndpoint = `http://127.0.0.1:${port}/dev/cognito-identity`;
  cognito = new CognitoIdentityClient({ region: "us-east-1", endpoint: identityEndpoint });
  aws = await startAwsLocal();
  await aws.createBuckets("uploads");
  proxy = await startUploadPolicyProxy({
    target: aws.s3Endpoint,
    secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY,
    folders: {
      bucket: "uploads",
      credentialsFor: (id) => pool.credentialsFor(id),
      forwardAccessKeyId: aws.env.AWS_ACCESS_KEY_ID,
    },
  });
});

afterAll(async () => {
  cognito?.destroy();
  await new Promise((resolve) => server?.close(resolve));
  await proxy?.stop();
  await aws?.stop();
});

const logins = (token: string) => ({ [pool.loginProvider]: token });

async function credentialsOf(sub: string) {
  const credentials = await identityCredentials(
    {
      identityPoolId: pool.identityPoolId,
      region: "us-east-1",
      loginProvider: pool.loginProvider,
      identityEndpoint,
      s3Endpoint: proxy.endpoint,
    },
    idToken(sub),
  );
  return { ...credentials, secret: pool.credentialsFor(credentials.accessKeyId) };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "no error",
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
      `${error.$metadata?.httpStatusCode} ${error.name}`,
  );

test("GetId gives each author one stable identity id; GetCredentialsForIdentity its credentials", async () => {
  const first = await credentialsOf("author-a");
  const again = await credentialsOf("author-a");
  const other = await credentialsOf("author-b");
  expect(first.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
  expect(again.identityId).toBe(first.identityId);
  expect(other.identityId).not.toBe(first.identityId);
  expect(first.accessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
  expect(first.secret?.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
  expect(first.secret?.identityId).toBe(first.identityId);
  for (const s of [first, again, other]) s.s3.destroy();
});

test("a missing, forged, expired or foreign token is NotAuthorizedException; a wrong pool ResourceNotFound", async () => {
  const getId = (Logins?: Record<string, string>, IdentityPoolId = pool.identityPoolId) =>
    errorOf(cognito.send(new GetIdCommand({ IdentityPoolId, Logins })));
  expect(await getId()).toBe("400 NotAuthorizedException");
  expect(await getId(logins(`${idToken("a")}x`))).toBe("400 NotAuthorizedException");
  expect(await getId(logins(idToken("a", { exp: now() - 10 })))).toBe("400 NotAuthorizedException");
  expect(await getId(logins(idToken("a", { token_use: "access" })))).toBe("400 NotAuthorizedException");
  expect(await getId({ "accounts.example.com": idToken("a") })).toBe("400 NotAuthorizedException");
  expect(await getId(logins(idToken("a")), "us-east-1:00000000-0000-4000-8000-000000000000")).toBe(
    "400 ResourceNotFoundException",
  );
  // Credentials of an identity only with that identity's own token.
  const theirs = pool.identityIdOf("author-b");
  expect(
    await errorOf(
      cognito.send(
        new GetCredentialsForIdentityCommand({ IdentityId: theirs, Logins: logins(idToken("a")) }),
      ),
    ),
  ).toBe("400 NotAuthorizedException");
});

test("an unknown target or a body that is not JSON gets the protocol's error", () => {
  const unknown = pool.call("AWSCognitoIdentityService.ListIdentityPools", "{}");
  expect(unknown.status).toBe(400);
  expect(JSON.parse(unknown.body)).toMatchObject({ __type: "UnknownOperationException" });
  expect(JSON.parse(pool.call(undefined, "{}").body).__type).toBe("UnknownOperationException");
  expect(JSON.parse(pool.call("AWSCognitoIdentityService.GetId", "{").body).__type).toBe(
    "SerializationException",
  );
  expect(JSON.parse(pool.call("AWSCognitoIdentityService.GetCredentialsForIdentity", "{}").body).__type).toBe(
    "InvalidParameterException",
  );
});

test("the proxy lets an identity use its own folders and answers 403 AccessDenied for anyone else's", async () => {
  const ada = await credentialsOf("ada");
  const bob = await credentialsOf("bob");
  const key = uploadKey({
    folder: ada.identityId,
    author: "ada",
    id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    extension: "txt",
  });
  await ada.s3.send(
    new PutObjectCommand({ Bucket: "uploads", Key: key, Body: "hello", ContentType: "text/plain" }),
  );
  const listed = await ada.s3.send(
    new ListObjectsV2Command({ Bucket: "uploads", Prefix: `uploads/${ada.identityId}/` }),
  );
  expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
  const read = await ada.s3.send(new GetObjectCommand({ Bucket: "uploads", Key: key }));
  await expect(read.Body?.transformToString()).resolves.toBe("hello");

  expect(await errorOf(bob.s3.send(new GetObjectCommand({ Bucket: "uploads", Key: key })))).toBe(
    "403 AccessDenied",
  );
  expect(await errorOf(bob.s3.send(new PutObjectCommand({ Bucket: "uploads", Key: key, Body: "x" })))).toBe(
    "403 AccessDenied",
  );
  expect(await errorOf(bob.s3.send(new DeleteObjectCommand({ Bucket: "uploads", Key: key })))).toBe(
    "403 AccessDenied",
  );
  expect(
    await errorOf(
      bob.s3.send(new ListObjectsV2Command({ Bucket: "uploads", Prefix: `uploads/${ada.identityId}/` })),
    ),
  ).toBe("403 AccessDenied");
  expect(await errorOf(ada.s3.send(new ListObjectsV2Command({ Bucket: "uploads" })))).toBe(
    "403 AccessDenied",
  );

  await ada.s3.send(new DeleteObjectCommand({ Bucket: "uploads", Key: key }));
  const after = await ada.s3.send(
    new ListObjectsV2Command({ Bucket: "uploads", Prefix: `uploads/${ada.identityId}/` }),
  );
  expect(after.Contents ?? []).toEqual([]);
  ada.s3.destroy();
  bob.s3.destroy();
});

test("a wrong secret or session token is refused before any policy is looked at", async () => {
  const ada = await credentialsOf("ada");
  const forged = (change: { secretAccessKey?: string; sessionToken?: string }) =>
    new S3Client({
      region: "us-east-1",
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: ada.accessKeyId,
        secretAccessKey: change.secretAccessKey ?? ada.secret?.secretAccessKey ?? "",
        sessionToken: change.sessionToken ?? ada.secret?.sessionToken,
      },
    });
  const prefix = `uploads/${ada.identityId}/`;
  const list = (client: S3Client) =>
    errorOf(client.send(new ListObjectsV2Command({ Bucket: "uploads", Prefix: prefix })));
  expect(await list(forged({ secretAccessKey: "not-the-secret" }))).toBe("403 SignatureDoesNotMatch");
  expect(await list(forged({ sessionToken: "not-the-token" }))).toBe("403 InvalidToken");
  ada.s3.destroy();
});
