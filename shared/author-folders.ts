/**
 * Each author's own folders in the uploads bucket, reached from the browser with temporary credentials of a
 * Cognito identity pool (seed 001): the object key layout that the API, the thumbnail and upload-stats functions
 * and the site all read, and the IAM statements that confine an identity to its folders. The identity pool's
 * authenticated role (lib/author-folders.ts) and the local stand-in of `npm run dev` (dev/) both use these
 * statements, so the rule that is deployed is the rule that is exercised locally.
 *
 * Key layout of an upload: `uploads/<folder>/<author sub>/<uuid>.<ext>`, where `<folder>` is
 * - the author's Cognito identity id (`<region>:<uuid>`) for a photo the browser put there itself, or
 * - `presigned` for a photo uploaded with the API's presigned POST (the fallback path, and the only one with an
 *   external JWT issuer, where there is no identity pool).
 * The author sub inside the key is what the API's ownership check and the thumbnail function read. An author can
 * write only into their own identity folder, so they cannot make an upload that passes as another author's own
 * there: a key names its author only if that author's identity, or the API on that author's behalf, wrote it.
 * Keys of the first layout, `uploads/<author sub>/<uuid>.<ext>`, still parse: posts keep them.
 *
 * Drafts: `drafts/<identity id>/<name>.json`, the author page's autosave, read and written only by the browser.
 */

export const UPLOADS_PREFIX = "uploads/";
export const DRAFTS_PREFIX = "drafts/";
/** The folder of uploads made through the API's presigned POST: not an identity id (those hold a colon). */
export const PRESIGNED_FOLDER = "presigned";

/** The IAM policy variable that AWS replaces with the caller's Cognito identity id. */
export const IDENTITY_ID_VARIABLE = "${cognito-identity.amazonaws.com:sub}";

/** A Cognito identity id: `<region>:<uuid>`. */
export const IDENTITY_ID_PATTERN =
  /^[a-z]{2}(?:-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// Never starting with a dot: the thumbnail function writes under `media/<author>/`.
const SUB = "[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}";
const FOLDER = `(?:${PRESIGNED_FOLDER}|[a-z]{2}(?:-[a-z]+)+-\\d:${UUID})`;

/** An upload key, either layout; groups: folder (absent in the first layout), author, id, extension. */
export const UPLOAD_KEY_PATTERN = new RegExp(
  `^uploads/(?:(${FOLDER})/)?(${SUB})/(${UUID})\\.([a-z0-9]{2,5})$`,
);

export interface UploadKey {
  /** The identity id or `presigned`; undefined for a key of the first layout. */
  readonly folder: string | undefined;
  /** The author's subject (the user pool's or the external issuer's `sub`). */
  readonly author: string;
  readonly id: string;
  readonly extension: string;
}

export function uploadKey(parts: Omit<UploadKey, "folder"> & { readonly folder: string }): string {
  const key = `${UPLOADS_PREFIX}${parts.folder}/${parts.author}/${parts.id}.${parts.extension}`;
  if (!UPLOAD_KEY_PATTERN.test(key)) throw new Error(`Not an upload key: ${key}`);
  return key;
}

export function parseUploadKey(key: string): UploadKey | undefined {
  const match = UPLOAD_KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [, folder, author, id, extension] = match;
  return { folder, author, id, extension };
}

/**
 * Where the thumbnail function publishes an upload's media: `media/<author>/<folder>/<uuid>/`. The folder is part of
 * it because an identity may write any author sub into a key of its own folder: without the folder, a key
 * `uploads/<my identity>/<your sub>/<your photo's uuid>.jpg` (both visible in your public media URLs) would
 * overwrite your published thumbnails. Only one identity writes each folder, and only the API writes `presigned`,
 * so media of different writers never share a prefix. Keys of the first layout keep `media/<author>/<uuid>/`.
 */
export function mediaPrefix(upload: UploadKey): string {
  return upload.folder === undefined
    ? `media/${upload.author}/${upload.id}/`
    : `media/${upload.author}/${upload.folder}/${upload.id}/`;
}

/**
 * The author of any object in an upload folder, whatever its file name: `uploads/<folder>/<author>/<name>`, or
 * `uploads/<author>/<name>` in the first layout. Undefined for anything else (a folder placeholder, another prefix).
 */
export function authorOfObject(key: string): string | undefined {
  if (!key.startsWith(UPLOADS_PREFIX)) return undefined;
  const parts = key.slice(UPLOADS_PREFIX.length).split("/");
  if (parts.some((part) => part.length === 0)) return undefined;
  const sub = new RegExp(`^${SUB}$`);
  const folder = new RegExp(`^${FOLDER}$`);
  if (parts.length === 3 && folder.test(parts[0]) && sub.test(parts[1])) return parts[1];
  if (parts.length === 2 && !folder.test(parts[0]) && sub.test(parts[0])) return parts[0];
  return undefined;
}

/** The folders an identity owns, as key prefixes ending in `/`. */
export function identityFolders(identityId: string): { readonly uploads: string; readonly drafts: string } {
  return { uploads: `${UPLOADS_PREFIX}${identityId}/`, drafts: `${DRAFTS_PREFIX}${identityId}/` };
}

/** The S3 actions an author's identity may use on its own folders: list, read, write and delete, nothing else. */
export const FOLDER_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;

export interface FolderStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/**
 * The S3 statements of the identity pool's authenticated role for one uploads bucket. `identityId` defaults to
 * the policy variable (the deployed policy); the local stand-in passes a real id to evaluate a request.
 */
export function authorFolderStatements(
  bucketArn: string,
  identityId = IDENTITY_ID_VARIABLE,
): FolderStatement[] {
  const folders = identityFolders(identityId);
  return [
    {
      Sid: "ListOwnFolders",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      // Listing is allowed only with a prefix inside the identity's folders: no bucket-wide listing.
      Condition: { StringLike: { "s3:prefix": [`${folders.uploads}*`, `${folders.drafts}*`] } },
    },
    {
      Sid: "ReadWriteDeleteOwnObjects",
      Effect: "Allow",
      Action: [...FOLDER_OBJECT_ACTIONS],
      Resource: [`${bucketArn}/${folders.uploads}*`, `${bucketArn}/${folders.drafts}*`],
    },
  ];
}
