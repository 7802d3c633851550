/**
 * The author's own folders in the uploads bucket, reached with the temporary credentials of the identity pool
 * (shared/author-folders.ts): photos put straight into `uploads/<identity id>/<sub>/`, the list of them, and the
 * editor's draft in `drafts/<identity id>/`. The only module with the AWS SDK: the author page loads it with a
 * dynamic `import()`, so it is a chunk of its own that the home and post pages never fetch.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { identityFolders, uploadKey } from "../../shared/author-folders";
import type { FoldersConfig } from "./config";

export interface FolderObject {
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly lastModified: Date | undefined;
}

export interface Draft {
  readonly title: string;
  readonly slug: string;
  readonly body: string;
  readonly savedAt: string;
}

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

const EXTENSIONS: Readonly<Record<string, string>> = { "image/jpeg": "jpg", "image/png": "png" };
/** Credentials are fetched again this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export class AuthorFolders {
  private constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly identityId: string,
    private readonly author: string,
  ) {}

  /** GetId and GetCredentialsForIdentity with the ID token; throws when the identity pool refuses it. */
  static async connect(config: FoldersConfig, idToken: string, author: string): Promise<AuthorFolders> {
    const endpoint = (url: string | undefined) => (url ? new URL(url, location.href).toString() : undefined);
    const cognito = new CognitoIdentityClient({
      region: config.region,
      endpoint: endpoint(config.identityEndpoint),
    });
    const Logins = { [config.loginProvider]: idToken };
    const { IdentityId } = await cognito.send(
      new GetIdCommand({ IdentityPoolId: config.identityPoolId, Logins }),
    );
    if (!IdentityId) throw new Error("The identity pool returned no identity id");
    const fetchCredentials = async (): Promise<Credentials> => {
      const { Credentials: c } = await cognito.send(
        new GetCredentialsForIdentityCommand({ IdentityId, Logins }),
      );
      if (!c?.AccessKeyId || !c.SecretKey) throw new Error("The identity pool returned no credentials");
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    };
    let current: Promise<Credentials> | undefined;
    let refreshAt = 0;
    const credentials = (): Promise<Credentials> => {
      if (!current || Date.now() >= refreshAt) {
        refreshAt = Infinity;
        current = fetchCredentials().then(
          (c) => {
            refreshAt = (c.expiration?.getTime() ?? Date.now() + 3600_000) - REFRESH_MARGIN_MS;
            return c;
          },
          (error: unknown) => {
            current = undefined;
            throw error;
          },
        );
      }
      return current;
    };
    await credentials(); // fail here, not on the first upload
    const s3 = new S3Client({
      region: config.region,
      credentials,
      // Locally the bucket is behind a stand-in at one address (path style); in AWS, virtual-hosted style.
      ...(config.s3Endpoint ? { endpoint: endpoint(config.s3Endpoint), forcePathStyle: true } : {}),
      // No CRC32 checksums the requests do not need: less code in the chunk, and S3 does not ask for them here.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new AuthorFolders(s3, config.bucket, IdentityId, author);
  }

  private get folders() {
    return identityFolders(this.identityId);
  }

  /** Puts the photo into the author's folder; resolves with its key. */
  async upload(file: File): Promise<string> {
    const extension = EXTENSIONS[file.type];
    if (!extension) throw new Error(`${file.name}: only JPEG and PNG photos can be uploaded.`);
    const key = uploadKey({
      folder: this.identityId,
      author: this.author,
      id: crypto.randomUUID(),
      extension,
    });
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: file, ContentType: file.type }),
    );
    return key;
  }

  /** The author's uploads, newest first. */
  async list(): Promise<FolderObject[]> {
    const objects: FolderObject[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.folders.uploads, ContinuationToken }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        objects.push({
          key: o.Key,
          name: o.Key.split("/").pop() ?? o.Key,
          size: o.Size ?? 0,
          lastModified: o.LastModified,
        });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return objects.sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0));
  }

  /** The object's bytes as a `blob:` URL (the CSP allows those as images). */
  async objectUrl(key: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const bytes = new Uint8Array((await object.Body?.transformToByteArray()) ?? []);
    return URL.createObjectURL(new Blob([bytes], { type: object.ContentType }));
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  private draftKey(name: string): string {
    return `${this.folders.drafts}${name}.json`;
  }

  async saveDraft(name: string, draft: Draft): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.draftKey(name),
        Body: JSON.stringify(draft),
        ContentType: "application/json",
      }),
    );
  }

  /** The saved draft, or undefined when there is none (looked up by listing: no 404 in the console). */
  async loadDraft(name: string): Promise<Draft | undefined> {
    const Key = this.draftKey(name);
    const found = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: Key, MaxKeys: 1 }),
    );
    if (found.Contents?.[0]?.Key !== Key) return undefined;
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    return JSON.parse((await object.Body?.transformToString()) ?? "null") as Draft | undefined;
  }

  async deleteDraft(name: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.draftKey(name) }));
  }
}
