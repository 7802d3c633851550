/**
 * Edge layer: the built site in a private bucket, and one CloudFront distribution in front of everything:
 * the site (default), photos (`/media/*` from the media bucket) and the API (`/api/*`). Buckets are only
 * reachable through CloudFront (Origin Access Control + `AWS:SourceArn`). With Cognito, the authors' sign-in too:
 * its app client needs the site's address (lib/author-sign-in.ts).
 */
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontOriginRequestPolicy } from "@cdktf/provider-aws/lib/cloudfront-origin-request-policy";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { CloudfrontMonitoringSubscription } from "@cdktf/provider-aws/lib/cloudfront-monitoring-subscription";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { AuthorFolders } from "../lib/author-folders";
import { AuthorSignIn } from "../lib/author-sign-in";
import { cloudFrontAlarms } from "../lib/cloudfront-alarms";
import { bucketOrigin, contentSecurityPolicy } from "../lib/content-security-policy";
import { dashboardBody } from "../lib/dashboard";
import { policyDocument, denyInsecureTransport } from "../lib/iam";
import type { MonitoredResources } from "../lib/monitored";
import { connectionsAlarmThreshold } from "../config/database-connections";
import type { SecureBucket } from "../lib/secure-bucket";
import { SiteDomain } from "../lib/site-domain";
import { EdgeWebAcl } from "../lib/web-acl";
import { StaticSite } from "../lib/static-site";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../shared/origin-verification";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import type { ApiOutputs, DataOutputs, NetworkOutputs } from "./outputs";

export interface EdgeStackProps extends BlogStackProps {
  readonly network: Pick<NetworkOutputs, "kmsKeyArn" | "accessLogBucketName" | "accessLogBucketDomainName">;
  readonly data: Pick<DataOutputs, "mediaBucket" | "uploadsBucket">;
  readonly api: ApiOutputs;
  /** What the other layers run, by literal name, for the dashboard (stacks/app.ts finds it in their trees). */
  readonly monitored: MonitoredResources;
}

/** AWS managed policies (stable, documented ids). */
const MANAGED_CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/** The last layer: nothing downstream reads it, so it exposes no outputs (`cdktf output` aside). */
export class EdgeStack extends BlogStack {
  constructor(scope: Construct, props: EdgeStackProps) {
    super(scope, "edge", props);
    this.uploadsOrigin = bucketOrigin(this.region, props.data.uploadsBucket.name);
    const { network, data, api } = props;
    // CloudFront certificates and web ACLs live in us-east-1 whatever the app's region.
    const usEast1 = this.providerIn("us-east-1");

    const site = new StaticSite(this, "static-site", {
      names: this.names,
      kmsKeyArn: network.kmsKeyArn,
      accessLogBucket: network.accessLogBucketName,
    });
    const web = site.bucket;

    const oac = (id: string) =>
      new CloudfrontOriginAccessControl(this, id, {
        name: this.names.global(id),
        description: `CloudFront reads the ${id.replace("-oac", "")} bucket`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      });
    const webOac = oac("web-oac");
    const mediaOac = oac("media-oac");

    const domain =
      this.siteDomain && this.config.domain
        ? new SiteDomain(this, "site-domain", {
            name: this.siteDomain,
            hostedZoneId: this.config.domain.hostedZoneId,
            usEast1,
          })
        : undefined;
    const certificate = domain?.certificateArn;
    const webAclArn = this.env.edge.waf
      ? new EdgeWebAcl(this, "web-acl", {
          name: this.names.global("edge"),
          metricName: this.names.resource("edge"),
          logRetentionDays: this.env.logRetentionDays,
          usEast1,
        }).arn
      : undefined;

    const distribution = new CloudfrontDistribution(this, "cdn", {
      enabled: true,
      comment: this.names.resource("site"),
      defaultRootObject: "index.html",
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass: this.env.edge.priceClass,
      aliases: this.siteDomain ? [this.siteDomain] : undefined,
      webAclId: webAclArn,
      origin: [
        {
          originId: "web",
          domainName: web.bucket.bucketRegionalDomainName,
          originAccessControlId: webOac.id,
        },
        {
          originId: "media",
          domainName: data.mediaBucket.regionalDomainName,
          originAccessControlId: mediaOac.id,
        },
        {
          originId: "api",
          domainName: Fn.replace(api.apiEndpoint, "https://", ""),
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
      },
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
          cachePolicyId: this.apiCachePolicy().id,
          originRequestPolicyId: this.apiOriginRequestPolicy().id,
        },
      ],
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: certificate
        ? {
            acmCertificateArn: certificate,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
          }
        : { cloudfrontDefaultCertificate: true },
      loggingConfig: {
        bucket: network.accessLogBucketDomainName,
        prefix: `cloudfront/${this.names.resource("site")}/`,
        includeCookies: false,
      },
    });
    if (!certificate) {
      const noDomain =
        "No custom domain configured: the default *.cloudfront.net certificate only allows the TLSv1 security policy; set `domain` in the configuration to serve an ACM certificate with TLSv1.2_2021";
      suppress(distribution, "CKV_AWS_174", noDomain);
      suppress(distribution, "CKV2_AWS_42", noDomain);
    }
    if (!webAclArn) {
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

    this.attachBucketPolicy("web-policy", web.bucket.id, web.tlsOnlyStatement(), distribution.arn, [
      `${web.arn}/*`,
    ]);
    this.attachBucketPolicy(
      "media-policy",
      data.mediaBucket.name,
      denyInsecureTransport([data.mediaBucket.arn, `${data.mediaBucket.arn}/*`]),
      distribution.arn,
      [`${data.mediaBucket.arn}/media/*`],
    );
    const siteUrl = this.siteDomain ? `https://${this.siteDomain}` : `https://${distribution.domainName}`;
    const signIn = api.authors
      ? new AuthorSignIn(this, "author-sign-in", {
          pool: api.authors,
          apiId: api.apiId,
          integrationId: api.integrationId,
          siteUrl,
          clientName: this.names.resource("web"),
        })
      : undefined;
    const folders =
      signIn && api.authors
        ? new AuthorFolders(this, "author-folders", {
            region: this.region,
            userPoolId: api.authors.userPoolId,
            clientId: signIn.clientId,
            uploadsBucket: data.uploadsBucket,
            kmsKeyArn: network.kmsKeyArn,
            poolName: this.names.resource("authors").replaceAll("-", "_"),
            roleName: this.names.global("author-folders"),
          })
        : undefined;
    site.publish({
      ...(signIn ? { auth: signIn.siteConfig } : {}),
      ...(folders ? { folders: folders.siteConfig } : {}),
    });

    domain?.pointAt(distribution);

    new SsmParameter(this, "site-url", {
      name: this.siteUrlParameterName,
      description: "URL of the blog; the welcome e-mail links to it",
      // Not a secret, but encrypted like every other store of this application.
      type: "SecureString",
      keyId: network.kmsKeyArn,
      value: siteUrl,
    });
    this.output("site_url", siteUrl, "URL of the blog");
    if (signIn) {
      this.output(
        "user_pool_client_id",
        signIn.clientId,
        "Cognito app client the site signs authors in with",
      );
    }
    if (folders) {
      this.output(
        "identity_pool_id",
        folders.identityPoolId,
        "Cognito identity pool giving signed-in authors credentials for their own upload folders",
      );
    }
    this.createOperations(props, usEast1, distribution);
    this.output("distribution_id", distribution.id, "CloudFront distribution (for invalidations)");
    this.output("web_bucket", web.name, "Bucket holding the built site");
  }

  /**
   * The environment's dashboard lives here: the last layer is the only one that knows the distribution and already
   * reads the API id; every other layer's resources have deterministic names, so reading them adds no dependency.
   */
  private createOperations(
    props: EdgeStackProps,
    usEast1: AwsProvider,
    distribution: CloudfrontDistribution,
  ): void {
    // CacheHitRate and the other additional metrics cost per distribution: production only.
    if (this.env.production) {
      new CloudfrontMonitoringSubscription(this, "cdn-additional-metrics", {
        provider: usEast1,
        distributionId: distribution.id,
        monitoringSubscription: {
          realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: "Enabled" },
        },
      });
    }
    const { monitored } = props;
    new CloudwatchDashboard(this, "dashboard", {
      dashboardName: this.names.global("operations", 255),
      dashboardBody: dashboardBody({
        title: `${this.names.app}-${this.names.env}`,
        region: this.region,
        api: { apiId: props.api.apiId, stage: "$default" },
        functions: monitored.functions,
        streamConsumers: monitored.streamConsumers,
        deadLetterQueues: monitored.deadLetterQueues,
        tables: monitored.tables,
        database: {
          identifier: monitored.databaseIdentifier,
          connectionsAlarm: connectionsAlarmThreshold(this.env.database),
        },
        cacheNodes: monitored.cacheNodes,
        distributionId: distribution.id,
        cacheHitRate: this.env.production,
      }),
    });
    cloudFrontAlarms(this, {
      names: this.names,
      provider: usEast1,
      accountId: this.accountId,
      production: this.env.production,
      distributionId: distribution.id,
      alarmEmails: this.env.alarmEmails,
      alarmSubscriptions: this.env.alarmTopicSubscriptions,
    });
  }

  /** Every behaviour: HTTPS only, compressed, with the security headers. */
  private behaviourDefaults() {
    this.headersPolicy ??= this.createResponseHeadersPolicy();
    return {
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: ["GET", "HEAD", "OPTIONS"],
      cachedMethods: ["GET", "HEAD"],
      compress: true,
      responseHeadersPolicyId: this.headersPolicy.id,
    };
  }

  private headersPolicy?: CloudfrontResponseHeadersPolicy;
  /** The uploads bucket's endpoint: the only S3 host the pages talk to. */
  private readonly uploadsOrigin: string;

  private createResponseHeadersPolicy(): CloudfrontResponseHeadersPolicy {
    return new CloudfrontResponseHeadersPolicy(this, "security-headers", {
      name: this.names.global("security-headers"),
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
            connect: [this.uploadsOrigin, "https://*.amazoncognito.com"],
            formAction: ["https://*.amazoncognito.com"],
            ...(this.config.auth.mode === "cognito" ? { cognitoIdentityRegion: this.region } : {}),
          }),
          override: true,
        },
      },
    });
  }

  /** Honours the API's own Cache-Control (public GETs cached for seconds); the JWT is part of the key. */
  private apiCachePolicy(): CloudfrontCachePolicy {
    return new CloudfrontCachePolicy(this, "api-cache", {
      name: this.names.global("api-cache"),
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
  private apiOriginRequestPolicy(): CloudfrontOriginRequestPolicy {
    return new CloudfrontOriginRequestPolicy(this, "api-origin-request", {
      name: this.names.global("api-origin-request"),
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

  private attachBucketPolicy(
    id: string,
    bucket: string,
    tlsOnly: ReturnType<SecureBucket["tlsOnlyStatement"]>,
    distributionArn: string,
    readable: string[],
  ): void {
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
          Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
        },
      ]),
    });
  }
}
