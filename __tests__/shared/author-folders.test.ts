/** The author folders contract: the upload key layout every reader agrees on, and the identity's S3 statements. */
import {
  authorFolderStatements,
  authorOfObject,
  mediaPrefix,
  IDENTITY_ID_PATTERN,
  IDENTITY_ID_VARIABLE,
  parseUploadKey,
  uploadKey,
} from "../../shared/author-folders";

const IDENTITY = "eu-west-1:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const ID = "1b4e28ba-2fa1-4d2c-883f-0016d3cca427";

test("an upload key names its folder, author, id and extension; the first layout still parses", () => {
  const key = uploadKey({ folder: IDENTITY, author: "ada", id: ID, extension: "jpg" });
  expect(key).toBe(`uploads/${IDENTITY}/ada/${ID}.jpg`);
  expect(parseUploadKey(key)).toEqual({ folder: IDENTITY, author: "ada", id: ID, extension: "jpg" });
  expect(parseUploadKey(`uploads/presigned/ada/${ID}.png`)).toEqual({
    folder: "presigned",
    author: "ada",
    id: ID,
    extension: "png",
  });
  expect(parseUploadKey(`uploads/ada/${ID}.png`)).toEqual({
    folder: undefined,
    author: "ada",
    id: ID,
    extension: "png",
  });
});

test("keys outside the layout do not parse, and none can be built", () => {
  for (const key of [
    `uploads/someone/ada/${ID}.jpg`, // a folder that is neither an identity id nor presigned
    `uploads/${IDENTITY}/.hidden/${ID}.jpg`, // an author starting with a dot would escape media/<author>/
    `uploads/${IDENTITY}/ada/not-a-uuid.jpg`,
    `drafts/${IDENTITY}/ada/${ID}.jpg`,
    `uploads/${IDENTITY}/ada/${ID}`,
  ])
    expect(parseUploadKey(key)).toBeUndefined();
  expect(() => uploadKey({ folder: "../x", author: "ada", id: ID, extension: "jpg" })).toThrow(
    /Not an upload key/,
  );
  expect(IDENTITY_ID_PATTERN.test(IDENTITY)).toBe(true);
  expect(IDENTITY_ID_PATTERN.test("presigned")).toBe(false);
});

test("the author of any object in a folder, whatever its name", () => {
  expect(authorOfObject(`uploads/${IDENTITY}/ada/notes.pdf`)).toBe("ada");
  expect(authorOfObject("uploads/presigned/ada/a b.jpg")).toBe("ada");
  expect(authorOfObject("uploads/ada/notes.pdf")).toBe("ada");
  expect(authorOfObject(`uploads/${IDENTITY}/ada/`)).toBeUndefined();
  expect(authorOfObject(`uploads/${IDENTITY}/`)).toBeUndefined();
  expect(authorOfObject("media/ada/x.jpg")).toBeUndefined();
});

test("the identity's statements reach only its own two folders, listing only with a prefix inside them", () => {
  const bucket = "arn:aws:s3:::uploads";
  expect(authorFolderStatements(bucket)).toEqual([
    {
      Sid: "ListOwnFolders",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucket],
      Condition: {
        StringLike: {
          "s3:prefix": [`uploads/${IDENTITY_ID_VARIABLE}/*`, `drafts/${IDENTITY_ID_VARIABLE}/*`],
        },
      },
    },
    {
      Sid: "ReadWriteDeleteOwnObjects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: [`${bucket}/uploads/${IDENTITY_ID_VARIABLE}/*`, `${bucket}/drafts/${IDENTITY_ID_VARIABLE}/*`],
    },
  ]);
  expect(JSON.stringify(authorFolderStatements(bucket, IDENTITY))).not.toContain("${");
});

test("media of different folders never share a prefix, whatever author and uuid a key names", () => {
  const own = parseUploadKey(`uploads/${IDENTITY}/ada/${ID}.jpg`)!;
  const forged = parseUploadKey(`uploads/us-east-1:0a0b0c0d-1e2f-4a5b-8c6d-7e8f9a0b1c2d/ada/${ID}.jpg`)!;
  const presigned = parseUploadKey(`uploads/presigned/ada/${ID}.jpg`)!;
  const first = parseUploadKey(`uploads/ada/${ID}.jpg`)!;
  expect(mediaPrefix(own)).toBe(`media/ada/${IDENTITY}/${ID}/`);
  expect(mediaPrefix(presigned)).toBe(`media/ada/presigned/${ID}/`);
  expect(mediaPrefix(first)).toBe(`media/ada/${ID}/`);
  const prefixes = [own, forged, presigned, first].map(mediaPrefix);
  for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a)).toBe(false);
});
