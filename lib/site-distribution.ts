/**
 * The one CloudFront distribution in front of everything: the site (default, through the viewer-request function of
 * edge/viewer-request.js), photos (`/media/*` from the media bucket) and the API (`/api/*`), with its cache,
 * origin-request and security-header policies, its error pages (edge/error-responses.ts), and the two buckets'
 * policies that let only this distribution read them (Origin Access Control + `AWS:SourceArn`).
 */
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontFunction } from "@cdktf/provider-aws/lib/cloudfront-function";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontOriginRequestPolicy } from "@cdktf/provider-aws/lib/cloudfront-origin-request-policy";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { ERROR_RESPONSES } from "../edge/error-responses";
import { viewerRequestCode } from "../edge/runtime";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../shared/origin-verification";
import { keepAddresses } from "./addressing";
import { bucketOrigin, contentSecurityPolicy } from "./content-security-policy";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "./iam";
import type { Names } from "./naming";
import type { SecureBucket } from "./secure-bucket";

export interface SiteDistributionProps {
  readonly names: Names;
  readonly region: string;
  /** The built site's bucket, whose policy is written here (it names the distribution). */
  readonly siteBucket: SecureBucket;
  /** The thumbnails' bucket, served under `/media/*`; its policy is written here too. */
  readonly mediaBucket: { readonly name: string; readonly arn: string; readonly regionalDomainName: string };
  /** The API's `https://…` endpoint and the origin-verification value CloudFront sends it. */
  readonly api: { readonly endpoint: string; readonly originVerifyValue: string };
  /** The bucket the pages upload photos to: the one S3 host the content security policy lets them reach. */
  readonly uploadsBucketName: string;
  /** Authors get folder credentials from Cognito Identity (`auth.mode: cognito`). @default false */
  readonly cognitoIdentity?: boolean;
  /** `environments.<env>.edge.priceClass`. */
  readonly priceClass: string;
  /** Bucket (its domain name) receiving CloudFront's standard logs. */
  readonly accessLogBucketDomainName: string;
  /**
   * A custom host name, its other names (`www.` + name, which the viewer-request function redirects to the name) and
   * their validated us-east-1 certificate. @default the `*.cloudfront.net` name
   */
  readonly domain?: {
    readonly name: string;
    /** @default none */
    readonly aliases?: readonly string[];
    readonly certificateArn: string;
  };
  /** The web ACL in front of the distribution. @default none */
  readonly webAclArn?: string;
}

/** AWS managed policies (stable, documented ids). */
const MANAGED_CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";

export class SiteDistribution extends Construct {
  public readonly distribution: CloudfrontDistribution;
  /** `https://` and the custom domain, or the distribution's own name. */
  public readonly url: string;
  private readonly headersPolicy: CloudfrontResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);
    // The edge stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names, siteBucket, mediaBucket, api, domain } = props;
    const oac = (id: string) =>
      new CloudfrontOriginAccessControl(this, id, {
        name: names.global(id),
        description: `CloudFront reads the ${id.replace("-oac", "")} bucket`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      });
    const webOac = oac("web-oac");
    const mediaOac = oac("media-oac");
    this.headersPolicy = this.responseHeadersPolicy(props);
    // Readable URLs, redirects and the 404 page at the edge; the file is published as it is (docs/edge.md).
    const viewerRequest = new CloudfrontFunction(this, "viewer-request", {
      name: names.global("viewer-request"),
      runtime: "cloudfront-js-2.0",
      comment: "Site URLs: /posts/<slug>, old links, www, 404 (edge/viewer-request.js)",
      code: viewerRequestCode(),
      publish: true,
    });

    const distribution = new CloudfrontDistribution(this, "cdn", {
      enabled: true,
      comment: names.resource("site"),
      defaultRootObject: "index.html",
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass: props.priceClass,
      aliases: domain ? [domain.name, ...(domain.aliases ?? [])] : undefined,
      webAclId: props.webAclArn,
      origin: [
        {
          originId: "web",
          domainName: siteBucket.bucket.bucketRegionalDomainName,
          originAccessControlId: webOac.id,
        },
        {
          originId: "media",
          domainName: mediaBucket.regionalDomainName,
          originAccessControlId: mediaOac.id,
        },
        {
          originId: "api",
          domainName: Fn.replace(api.endpoint, "https://", ""),
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: ["TLSv1.2"],
          },
          // Proves to the API that the request came through this distribution (it refuses any other with a 403);
          // CloudFront replaces a viewer's header of the same name.
          customHeader: [{ name: ORIGIN_VERIFY_HEADER, value: api.originVerifyValue }],
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "web",
        ...this.behaviourDefaults(),
        cachePolicyId: MANAGED_CACHING_OPTIMIZED,
        // The site's behaviour only: /api/* and /media/* never run the function.
        functionAssociation: [{ eventType: "viewer-request", functionArn: viewerRequest.arn }],
      },
      // Distribution-wide, so only codes the API never answers with its own JSON (edge/error-responses.ts).
      customErrorResponse: ERROR_RESPONSES.map((r) => ({
        errorCode: r.errorCode,
        errorCachingMinTtl: r.cachingSeconds,
        ...(r.page ? { responseCode: r.errorCode, responsePagePath: r.page } : {}),
      })),
      orderedCacheBehavior: [
        {
          pathPattern: "/media/*",
          targetOriginId: "media",
          ...this.behaviourDefaults(),
          cachePolicyId: MANAGED_CACHING_OPTIMIZED,
        },
        {
          pathPattern: "/api/*",
          targetOriginId: "api",
          ...this.behaviourDefaults(),
          allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cachePolicyId: this.apiCachePolicy(names).id,
          originRequestPolicyId: this.apiOriginRequestPolicy(names).id,
        },
      ],
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: domain
        ? {
            acmCertificateArn: domain.certificateArn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
          }
        : { cloudfrontDefaultCertificate: true },
      loggingConfig: {
        bucket: props.accessLogBucketDomainName,
        prefix: `cloudfront/${names.resource("site")}/`,
        includeCookies: false,
      },
    });
    this.distribution = distribution;
    this.url = domain ? `https://${domain.name}` : `https://${distribution.domainName}`;
    if (!domain) {
      const noDomain =
        "No custom domain configured: the default *.cloudfront.net certificate only allows the TLSv1 security policy; set `domain` in the configuration to serve an ACM certificate with TLSv1.2_2021";
      suppress(distribution, "CKV_AWS_174", noDomain);
      suppress(distribution, "CKV2_AWS_42", noDomain);
    }
    if (!props.webAclArn) {
      const noWaf =
        "WAF is off for this environment (environments.<env>.edge.waf); API Gateway throttling still applies";
      suppress(distribution, "CKV_AWS_68", noWaf);
      suppress(distribution, "CKV2_AWS_47", noWaf);
    } else {
      suppress(
        distribution,
        "CKV2_AWS_47",
        "The web ACL runs KnownBadInputs with its Log4JRCE rule (CKV_AWS_192 passes); Checkov's CKV2_AWS_47 also wants AnonymousIpList, which would block readers behind VPNs and privacy relays",
      );
    }
    suppress(
      distribution,
      "CKV_AWS_310",
      "Every origin lives in the app's one region (bucket, API); an origin group would need a replica in a second region to fail over to",
    );
    suppress(distribution, "CKV_AWS_374", "A public blog: readers may be anywhere, no country is excluded");

    this.readableThroughOac("web-policy", siteBucket.bucket.id, siteBucket.tlsOnlyStatement(), [
      `${siteBucket.arn}/*`,
    ]);
    this.readableThroughOac(
      "media-policy",
      mediaBucket.name,
      denyInsecureTransport([mediaBucket.arn, `${mediaBucket.arn}/*`]),
      [`${mediaBucket.arn}/media/*`],
    );
  }

  /** Every behaviour: HTTPS only, compressed, with the security headers. */
  private behaviourDefaults() {
    return {
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: ["GET", "HEAD", "OPTIONS"],
      cachedMethods: ["GET", "HEAD"],
      compress: true,
      responseHeadersPolicyId: this.headersPolicy.id,
    };
  }

  private responseHeadersPolicy(props: SiteDistributionProps): CloudfrontResponseHeadersPolicy {
    return new CloudfrontResponseHeadersPolicy(this, "security-headers", {
      name: props.names.global("security-headers"),
      securityHeadersConfig: {
        strictTransportSecurity: {
          accessControlMaxAgeSec: 63072000,
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: "DENY", override: true },
        referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: {
          // Photos upload straight to the uploads bucket (presigned POST, or the author's own folder with credentials
          // from Cognito Identity); sign-in talks to the hosted UI. No other AWS endpoint.
          contentSecurityPolicy: contentSecurityPolicy({
            connect: [bucketOrigin(props.region, props.uploadsBucketName), "https://*.amazoncognito.com"],
            formAction: ["https://*.amazoncognito.com"],
            ...(props.cognitoIdentity ? { cognitoIdentityRegion: props.region } : {}),
          }),
          override: true,
        },
      },
    });
  }

  /** Honours the API's own Cache-Control (public GETs cached for seconds); the JWT is part of the key. */
  private apiCachePolicy(names: Names): CloudfrontCachePolicy {
    return new CloudfrontCachePolicy(this, "api-cache", {
      name: names.global("api-cache"),
      comment: "Honour the API's Cache-Control; never longer than a minute",
      minTtl: 0,
      defaultTtl: 0,
      maxTtl: 60,
      parametersInCacheKeyAndForwardedToOrigin: {
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        headersConfig: { headerBehavior: "whitelist", headers: { items: ["Authorization"] } },
        queryStringsConfig: { queryStringBehavior: "all" },
        cookiesConfig: { cookieBehavior: "none" },
      },
    });
  }

  /**
   * What the API needs beyond the cache key; never Host (API Gateway routes on its own host name). The reader's
   * address (CloudFront-Viewer-Address, which CloudFront writes itself) is what the API's limits key on.
   */
  private apiOriginRequestPolicy(names: Names): CloudfrontOriginRequestPolicy {
    return new CloudfrontOriginRequestPolicy(this, "api-origin-request", {
      name: names.global("api-origin-request"),
      comment: "Forward the client id, content negotiation headers and the viewer's address, not Host",
      headersConfig: {
        headerBehavior: "whitelist",
        headers: {
          items: ["x-client-id", "Content-Type", "Accept", "Origin", VIEWER_ADDRESS_HEADER],
        },
      },
      queryStringsConfig: { queryStringBehavior: "all" },
      cookiesConfig: { cookieBehavior: "none" },
    });
  }

  /** A bucket's whole policy: TLS only, and this distribution (through its OAC) reads `readable`. */
  private readableThroughOac(id: string, bucket: string, tlsOnly: PolicyStatement, readable: string[]): void {
    new S3BucketPolicy(this, id, {
      bucket,
      policy: policyDocument([
        tlsOnly,
        {
          Sid: "CloudFrontReadsThroughOac",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: readable,
          Condition: { StringEquals: { "AWS:SourceArn": this.distribution.arn } },
        },
      ]),
    });
  }
}
