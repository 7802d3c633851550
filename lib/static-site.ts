/**
 * The built site in a private bucket: one object per file of `web/build.ts` and the front end's runtime
 * configuration (`/config.json`). Only CloudFront reads it; the distribution writes its policy (lib/site-distribution.ts).
 */
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "crypto";
import * as fs from "fs";
import { suppress } from "../checks/suppress";
import { buildSite, type SiteFile } from "../web/build";
import type { SiteConfig } from "../web/src/config";
import { keepAddresses } from "./addressing";
import type { Names } from "./naming";
import { SecureBucket } from "./secure-bucket";

export interface StaticSiteProps {
  readonly names: Names;
  /** Key of the bucket's SSE-KMS encryption. */
  readonly kmsKeyArn: string;
  /** Bucket receiving the S3 server access logs. */
  readonly accessLogBucket: string;
}

let siteFiles: SiteFile[] | undefined;
/** The site is built once per synth and shared by every environment. */
function builtSite(): SiteFile[] {
  siteFiles ??= buildSite();
  return siteFiles;
}

export class StaticSite extends Construct {
  public readonly bucket: SecureBucket;
  private published = false;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    // The edge stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names } = props;
    this.bucket = new SecureBucket(this, "web", {
      bucketPrefix: names.bucketPrefix("web"),
      kmsKeyArn: props.kmsKeyArn,
      accessLogs: { bucket: props.accessLogBucket, prefix: `s3/${names.resource("web")}/` },
      // Site files are re-created from the repository on every deploy.
      forceDestroy: true,
      // Its policy names the distribution, so the distribution attaches it once it exists.
      managePolicy: false,
    });
    suppress(
      this.bucket.bucket,
      "CKV_AWS_144",
      "Site files are rebuilt from the repository on every deploy; a replica adds nothing",
    );
    suppress(
      this.bucket.bucket,
      "CKV2_AWS_62",
      "Only deploys write the site files and nothing reacts to them",
    );
  }

  /**
   * Uploads the built files and `config.json`; once, as the configuration (sign-in, folders) names resources made
   * after the bucket (the distribution's address).
   */
  publish(config: SiteConfig): void {
    if (this.published) throw new Error(`StaticSite ${this.node.path}: the site is published once`);
    this.published = true;
    // One object per built file: content type, cache-control, and a content hash so unchanged files stay out of plans.
    for (const file of builtSite()) {
      const bytes = fs.readFileSync(file.absolutePath);
      const id = `site-${file.path.replace(/[^A-Za-z0-9]+/g, "-")}`;
      const asset = new TerraformAsset(this, `${id}-asset`, {
        path: file.absolutePath,
        type: AssetType.FILE,
        assetHash: createHash("sha256").update(bytes).digest("hex").slice(0, 32),
      });
      new S3Object(this, id, {
        bucket: this.bucket.bucket.id,
        key: file.path,
        source: asset.path,
        contentType: file.contentType,
        cacheControl: file.cacheControl,
        // SSE-KMS objects have no MD5 ETag, so the content hash goes in source_hash.
        sourceHash: createHash("md5").update(bytes).digest("hex"),
      });
    }
    new S3Object(this, "site-config", {
      bucket: this.bucket.bucket.id,
      key: "config.json",
      // Runtime configuration of the front end (see web/src/config.ts).
      content: Fn.jsonencode(config),
      contentType: "application/json",
      cacheControl: "no-cache",
    });
  }
}
