/**
 * The author's own folders in the uploads bucket, reached with the temporary credentials of the identity pool
 * (shared/author-folders.ts): photos put straight into `uploads/<identity id>/<sub>/`, the list of them, and the
 * editor's draft in `drafts/<identity id>/`. The author page loads it with a dynamic `import()`, so it is a chunk
 * of its own that the home and post pages never fetch.
 *
 * Requests are signed by the AWS SDK for JavaScript v3's own signer, `SignatureV4` from `@smithy/signature-v4`,
 * hashing with WebCrypto; the six calls themselves (S3 PutObject, GetObject, DeleteObject, ListObjectsV2 and
 * Cognito Identity's GetId and GetCredentialsForIdentity) are plain `fetch`. Not the SDK's S3 and Cognito Identity
 * clients: for page weight, those were 95.7 KB gzipped in this chunk against the site's 16.2 KB budget
 * (BENCHMARKS.md, "Web").
 */
import { SignatureV4 } from "@smithy/signature-v4";
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

/** A refused S3 or Cognito Identity call: the operation, the HTTP status and the service's error code. */
export class FolderRequestError extends Error {
  override readonly name = "FolderRequestError";
  readonly code: string;
  constructor(
    readonly operation: string,
    readonly status: number,
    code = "UnknownError",
    detail = "",
  ) {
    super(`${operation} failed (${status} ${code})${detail && `: ${detail}`}`);
    this.code = code;
  }
}

const EXTENSIONS: Readonly<Record<string, string>> = { "image/jpeg": "jpg", "image/png": "png" };
/** Credentials are fetched again this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

type Data = string | ArrayBuffer | ArrayBufferView;

/**
 * SHA-256, or HMAC-SHA-256 with a secret, on WebCrypto: the hash constructor the signer takes (`@smithy/types`'
 * `Checksum`; it passes strings or byte arrays).
 */
class Sha256 {
  private readonly chunks: BlobPart[] = [];
  constructor(private readonly secret?: Data) {}

  update(data: Data): void {
    this.chunks.push(data as BlobPart);
  }

  async digest(): Promise<Uint8Array> {
    const data = await new Blob(this.chunks).arrayBuffer();
    const { subtle } = crypto;
    if (this.secret === undefined) return new Uint8Array(await subtle.digest("SHA-256", data));
    const secret = await new Blob([this.secret as BlobPart]).arrayBuffer();
    const key = await subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign("HMAC", key, data));
  }

  reset(): void {
    this.chunks.length = 0;
  }
}

/** RFC 3986 encoding, as S3 expects in paths and query strings. */
const escape = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** One call of Cognito Identity's JSON 1.1 protocol (unsigned: the ID token in `Logins` is the proof). */
async function cognito<T>(endpoint: string, operation: string, input: object): Promise<T> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityService.${operation}`,
    },
    body: JSON.stringify(input),
  });
  const json = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
  if (!response.ok)
    // `__type` may carry a namespace (`…#NotAuthorizedException`).
    throw new FolderRequestError(operation, response.status, json.__type?.split("#").pop(), json.message);
  return json as T;
}

/** The XML elements' text, for S3's answers. */
const xmlText = (parent: Element | Document, name: string) =>
  parent.getElementsByTagName(name)[0]?.textContent ?? undefined;

interface S3Request {
  readonly operation: string;
  readonly method: "GET" | "PUT" | "DELETE";
  /** Undefined for a bucket-level call (ListObjectsV2). */
  readonly key?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: Uint8Array<ArrayBuffer>;
  readonly contentType?: string;
}

/** Signs and sends S3 REST calls to one bucket at `origin` + `bucketPath` (empty in virtual-hosted style). */
function bucketClient(
  config: FoldersConfig,
  credentials: () => Promise<Credentials>,
  origin: URL,
  bucketPath: string,
) {
  const signer = new SignatureV4({
    service: "s3",
    region: config.region,
    credentials,
    sha256: Sha256,
    uriEscapePath: false, // S3 signs the path as sent, not encoded a second time
    applyChecksum: true, // sends `x-amz-content-sha256`, which S3 requires
  });
  return async ({ operation, method, key, query = {}, body, contentType }: S3Request) => {
    const path =
      key === undefined ? bucketPath || "/" : `${bucketPath}/${key.split("/").map(escape).join("/")}`;
    const defined = Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined);
    // Content-type only when there is one; the body's real SHA-256 (the signer hashes byte arrays).
    const { headers } = await signer.sign({
      method,
      protocol: origin.protocol,
      hostname: origin.hostname,
      port: Number(origin.port) || undefined,
      path,
      query: Object.fromEntries(defined),
      headers: { host: origin.host, ...(contentType && { "content-type": contentType }) },
      body,
    });
    delete headers.host; // the browser sets Host itself
    const search = defined.map((pair) => pair.map(escape).join("=")).join("&");
    const response = await fetch(`${origin.origin}${path}${search && `?${search}`}`, {
      method,
      headers,
      body,
    });
    if (!response.ok) {
      // `<Error><Code>AccessDenied</Code><Message>…</Message></Error>`
      const error = new DOMParser().parseFromString(await response.text(), "application/xml");
      throw new FolderRequestError(
        operation,
        response.status,
        xmlText(error, "Code"),
        xmlText(error, "Message"),
      );
    }
    return response;
  };
}

type BucketClient = ReturnType<typeof bucketClient>;

interface ListPage {
  readonly objects: FolderObject[];
  readonly next: string | undefined;
}

export class AuthorFolders {
  private constructor(
    private readonly s3: BucketClient,
    readonly identityId: string,
    private readonly author: string,
  ) {}

  /** GetId and GetCredentialsForIdentity with the ID token; throws when the identity pool refuses it. */
  static async connect(config: FoldersConfig, idToken: string, author: string): Promise<AuthorFolders> {
    const endpoint = (url: string | undefined) => (url ? new URL(url, location.href).toString() : undefined);
    const identity =
      endpoint(config.identityEndpoint) ?? `https://cognito-identity.${config.region}.amazonaws.com/`;
    const Logins = { [config.loginProvider]: idToken };
    const { IdentityId } = await cognito<{ IdentityId?: string }>(identity, "GetId", {
      IdentityPoolId: config.identityPoolId,
      Logins,
    });
    if (!IdentityId) throw new Error("The identity pool returned no identity id");
    const fetchCredentials = async (): Promise<Credentials> => {
      const { Credentials: c } = await cognito<{
        Credentials?: {
          AccessKeyId?: string;
          SecretKey?: string;
          SessionToken?: string;
          Expiration?: number;
        };
      }>(identity, "GetCredentialsForIdentity", { IdentityId, Logins });
      if (!c?.AccessKeyId || !c.SecretKey) throw new Error("The identity pool returned no credentials");
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretKey,
        sessionToken: c.SessionToken,
        // Epoch seconds in the JSON protocol.
        expiration: c.Expiration === undefined ? undefined : new Date(c.Expiration * 1000),
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
    // Locally the bucket is behind a stand-in at one address (path style); in AWS, virtual-hosted style.
    const local = endpoint(config.s3Endpoint);
    const s3 = local
      ? bucketClient(config, credentials, new URL(local), `/${escape(config.bucket)}`)
      : bucketClient(
          config,
          credentials,
          new URL(`https://${config.bucket}.s3.${config.region}.amazonaws.com`),
          "",
        );
    return new AuthorFolders(s3, IdentityId, author);
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
    await this.put(key, new Uint8Array(await file.arrayBuffer()), file.type);
    return key;
  }

  private async put(key: string, body: Uint8Array<ArrayBuffer>, contentType: string): Promise<void> {
    await this.s3({ operation: "PutObject", method: "PUT", key, body, contentType });
  }

  private async listPage(prefix: string, continuationToken?: string, maxKeys?: number): Promise<ListPage> {
    const response = await this.s3({
      operation: "ListObjectsV2",
      method: "GET",
      query: {
        "list-type": "2",
        prefix,
        "continuation-token": continuationToken,
        "max-keys": maxKeys === undefined ? undefined : String(maxKeys),
      },
    });
    const xml = new DOMParser().parseFromString(await response.text(), "application/xml");
    const text = (parent: Element | Document, name: string) =>
      parent.getElementsByTagName(name)[0]?.textContent ?? undefined;
    const objects: FolderObject[] = [];
    for (const contents of Array.from(xml.getElementsByTagName("Contents"))) {
      const key = text(contents, "Key");
      if (!key) continue;
      const modified = text(contents, "LastModified");
      objects.push({
        key,
        name: key.split("/").pop() ?? key,
        size: Number(text(contents, "Size") ?? 0),
        lastModified: modified ? new Date(modified) : undefined,
      });
    }
    const truncated = text(xml, "IsTruncated") === "true";
    return { objects, next: truncated ? text(xml, "NextContinuationToken") : undefined };
  }

  /** The author's uploads, newest first. */
  async list(): Promise<FolderObject[]> {
    const objects: FolderObject[] = [];
    let next: string | undefined;
    do {
      const page = await this.listPage(this.folders.uploads, next);
      objects.push(...page.objects);
      next = page.next;
    } while (next);
    return objects.sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0));
  }

  private get(key: string): Promise<Response> {
    return this.s3({ operation: "GetObject", method: "GET", key });
  }

  /** The object's bytes as a `blob:` URL (the CSP allows those as images). */
  async objectUrl(key: string): Promise<string> {
    const response = await this.get(key);
    const type = response.headers.get("content-type") ?? undefined;
    return URL.createObjectURL(new Blob([await response.arrayBuffer()], { type }));
  }

  async remove(key: string): Promise<void> {
    await this.s3({ operation: "DeleteObject", method: "DELETE", key });
  }

  private draftKey(name: string): string {
    return `${this.folders.drafts}${name}.json`;
  }

  async saveDraft(name: string, draft: Draft): Promise<void> {
    await this.put(this.draftKey(name), new TextEncoder().encode(JSON.stringify(draft)), "application/json");
  }

  /** The saved draft, or undefined when there is none (looked up by listing: no 404 in the console). */
  async loadDraft(name: string): Promise<Draft | undefined> {
    const key = this.draftKey(name);
    const found = await this.listPage(key, undefined, 1);
    if (found.objects[0]?.key !== key) return undefined;
    return (await (await this.get(key)).json()) as Draft | undefined;
  }

  async deleteDraft(name: string): Promise<void> {
    await this.s3({ operation: "DeleteObject", method: "DELETE", key: this.draftKey(name) });
  }
}
