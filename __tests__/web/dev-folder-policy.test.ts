/** The local evaluator of the identity pool role's S3 statements (dev/folder-policy.ts) against requests. */
import { authorFolderStatements } from "../../shared/author-folders";
import { isAllowed, s3ActionOf, wildcardMatch } from "../../dev/folder-policy";

const BUCKET = "arn:aws:s3:::uploads";
const ME = "us-east-1:11111111-1111-4111-a111-111111111111";
const OTHER = "us-east-1:22222222-2222-4222-a222-222222222222";
const statements = authorFolderStatements(BUCKET, ME);
const allowed = (method: string, key: string | undefined, query = "", copy?: string) =>
  isAllowed(statements, s3ActionOf(method, BUCKET, key, new URLSearchParams(query), copy));

test("wildcards: * any run, ? one character, everything else literal", () => {
  expect(wildcardMatch("uploads/a*", "uploads/a/b/c.jpg")).toBe(true);
  expect(wildcardMatch("uploads/a?", "uploads/ab")).toBe(true);
  expect(wildcardMatch("uploads/a?", "uploads/abc")).toBe(false);
  expect(wildcardMatch("uploads/a.b*", "uploads/aXb")).toBe(false);
  expect(wildcardMatch("s3:getobject", "s3:GetObject", false)).toBe(true);
  expect(wildcardMatch("s3:getobject", "s3:GetObject")).toBe(false);
});

test("an identity lists, reads, writes and deletes in its own folders", () => {
  const photo = `uploads/${ME}/sub-1/0f8fad5b-d9cb-469f-a165-70867728950e.jpg`;
  for (const method of ["GET", "HEAD", "PUT", "DELETE"]) expect(allowed(method, photo)).toBe(true);
  expect(allowed("PUT", `drafts/${ME}/new.json`)).toBe(true);
  expect(allowed("GET", undefined, `list-type=2&prefix=${encodeURIComponent(`uploads/${ME}/`)}`)).toBe(true);
  expect(allowed("GET", undefined, `list-type=2&prefix=drafts/${ME}/x`)).toBe(true);
});

test("nothing outside them: another identity's folder, the presigned folder, bucket-wide listing", () => {
  const theirs = `uploads/${OTHER}/sub-2/0f8fad5b-d9cb-469f-a165-70867728950e.jpg`;
  for (const method of ["GET", "PUT", "DELETE"]) expect(allowed(method, theirs)).toBe(false);
  expect(allowed("PUT", `uploads/presigned/sub-1/0f8fad5b-d9cb-469f-a165-70867728950e.jpg`)).toBe(false);
  expect(allowed("GET", undefined, `list-type=2&prefix=uploads/${OTHER}/`)).toBe(false);
  expect(allowed("GET", undefined, "list-type=2")).toBe(false);
  expect(allowed("GET", undefined, "list-type=2&prefix=uploads/")).toBe(false);
  // A prefix that only starts like the identity id is another identity's (the `/` is part of the pattern).
  expect(allowed("GET", undefined, `list-type=2&prefix=uploads/${ME.slice(0, -1)}`)).toBe(false);
  expect(allowed("GET", `media/${ME}/x.jpg`)).toBe(false);
});

test("operations the role does not name are refused, not guessed at", () => {
  const own = `uploads/${ME}/sub-1/0f8fad5b-d9cb-469f-a165-70867728950e.jpg`;
  expect(allowed("PUT", own, "acl")).toBe(false);
  expect(allowed("GET", own, "tagging")).toBe(false);
  expect(allowed("PUT", own, "", `/uploads/uploads/${OTHER}/x.jpg`)).toBe(false);
  expect(allowed("GET", undefined, "cors")).toBe(false);
  expect(allowed("POST", undefined, "delete")).toBe(false);
  expect(s3ActionOf("GET", BUCKET, own, new URLSearchParams("x-id=GetObject")).action).toBe("s3:GetObject");
});

test("a condition operator the evaluator does not know never allows", () => {
  const [list] = authorFolderStatements(BUCKET, ME);
  const odd = [{ ...list, Condition: { StringEquals: { "s3:prefix": [`uploads/${ME}/`] } } }];
  expect(
    isAllowed(odd, s3ActionOf("GET", BUCKET, undefined, new URLSearchParams(`prefix=uploads/${ME}/`))),
  ).toBe(false);
});
