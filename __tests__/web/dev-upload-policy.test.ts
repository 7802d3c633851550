/**
 * The upload-policy proxy in front of s3rver refuses what S3 refuses in a browser POST (presigned with the real
 * @aws-sdk/s3-presigned-post), and passes everything else through.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { startUploadPolicyProxy, type UploadPolicyProxy } from "../../dev/upload-policy-proxy";
import { startAwsLocal, type AwsLocal } from "../../local/aws-local";

jest.setTimeout(60_000);

let aws: AwsLocal;
let proxy: UploadPolicyProxy;
let s3: S3Client;

beforeAll(async () => {
  aws = await startAwsLocal();
  await aws.createBuckets("uploads");
  proxy = await startUploadPolicyProxy({
    target: aws.s3Endpoint,
    secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY,
  });
  // Every SDK call goes through the proxy too (as the API function's do in `npm run dev`).
  s3 = new S3Client({
    region: "us-east-1",
    endpoint: proxy.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: aws.env.AWS_ACCESS_KEY_ID, secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY },
  });
});

afterAll(async () => {
  s3?.destroy();
  await proxy?.stop();
  await aws?.stop();
});

async function presign(key: string, maxBytes: number, expires = 300) {
  return createPresignedPost(s3, {
    Bucket: "uploads",
    Key: key,
    Conditions: [
      ["content-length-range", 1, maxBytes],
      ["eq", "$Content-Type", "image/jpeg"],
    ],
    Fields: { "Content-Type": "image/jpeg" },
    Expires: expires,
  });
}

async function post(
  upload: { url: string; fields: Record<string, string> },
  file: Buffer,
  change: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...change })) form.append(name, value);
  form.append("file", new Blob([new Uint8Array(file)], { type: "image/jpeg" }), "photo.jpg");
  const response = await fetch(upload.url, { method: "POST", body: form });
  return { status: response.status, text: await response.text() };
}

test("a valid upload lands in the bucket, and SDK calls pass through with their signatures intact", async () => {
  const upload = await presign("uploads/a/ok.jpg", 100);
  expect(upload.url).toBe(`${proxy.endpoint}/uploads`);
  expect(await post(upload, Buffer.from("jpeg bytes"))).toEqual({ status: 204, text: "" });
  const object = await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "uploads/a/ok.jpg" }));
  expect(await object.Body?.transformToString()).toBe("jpeg bytes");
  expect(object.ContentType).toBe("image/jpeg");
});

test("a file larger than the policy allows is refused (EntityTooLarge) and not stored", async () => {
  const upload = await presign("uploads/a/big.jpg", 5);
  const refused = await post(upload, Buffer.from("more than five bytes"));
  expect(refused.status).toBe(400);
  expect(refused.text).toContain("<Code>EntityTooLarge</Code>");
  await expect(
    s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "uploads/a/big.jpg" })),
  ).rejects.toThrow();
});

test("changed fields, another key, a forged policy or an expired one are refused", async () => {
  const upload = await presign("uploads/a/strict.jpg", 100);
  const file = Buffer.from("jpeg");
  const wrongType = await post(upload, file, { "Content-Type": "text/html" });
  expect(wrongType.status).toBe(403);
  expect(wrongType.text).toMatch(/Policy Condition failed: \["eq","\$Content-Type","image\/jpeg"\]/);

  expect((await post(upload, file, { key: "uploads/someone-else/x.jpg" })).text).toContain(
    "Policy Condition failed",
  );
  expect((await post(upload, file, { acl: "public-read" })).text).toContain("Extra input fields: acl");

  const policy = JSON.parse(Buffer.from(upload.fields.Policy, "base64").toString());
  policy.conditions = policy.conditions.filter(
    (c: unknown) => !(Array.isArray(c) && c[0] === "content-length-range"),
  );
  const forged = await post(upload, file, { Policy: Buffer.from(JSON.stringify(policy)).toString("base64") });
  expect(forged.status).toBe(403);
  expect(forged.text).toContain("<Code>SignatureDoesNotMatch</Code>");

  const expired = await presign("uploads/a/late.jpg", 100, 1);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect((await post(expired, file)).text).toContain("Policy expired");
});
