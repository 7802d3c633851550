/**
 * Edge layer: the built site in a private bucket (lib/static-site.ts), and one CloudFront distribution in front of
 * everything (lib/site-distribution.ts): the site (default, readable URLs and the 404 page from the CloudFront
 * Function of edge/viewer-request.js, docs/edge.md), photos (`/media/*` from the media bucket) and the API
 * (`/api/*`). Buckets are only reachable through CloudFront (Origin Access Control + `AWS:SourceArn`). Optionally a
 * custom domain (lib/site-domain.ts) and a web ACL (lib/web-acl.ts); the environment's dashboard and CloudFront's
 * alarm (lib/operations.ts). With Cognito, the authors' sign-in too: its app client needs the site's address
 * (lib/author-sign-in.ts).
 */
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { Construct } from "constructs";
import { connectionsAlarmThreshold } from "../config/database-connections";
import { AuthorFolders } from "../lib/author-folders";
import { AuthorSignIn } from "../lib/author-sign-in";
import type { MonitoredResources } from "../lib/monitored";
import { Operations } from "../lib/operations";
import { SiteDistribution } from "../lib/site-distribution";
import { SiteDomain } from "../lib/site-domain";
import { StaticSite } from "../lib/static-site";
import { ObjectAuditTrail } from "../lib/object-audit-trail";
import { EdgeWebAcl } from "../lib/web-acl";
import { BlogStack, type BlogStackProps } from "./blog-stack";
import type { ApiOutputs, DataOutputs, NetworkOutputs } from "./outputs";

export interface EdgeStackProps extends BlogStackProps {
  readonly network: Pick<NetworkOutputs, "kmsKeyArn" | "accessLogBucketName" | "accessLogBucketDomainName">;
  readonly data: Pick<DataOutputs, "mediaBucket" | "uploadsBucket">;
  readonly api: ApiOutputs;
  /** What the other layers run, by literal name, for the dashboard (stacks/app.ts finds it in their trees). */
  readonly monitored: MonitoredResources;
}

/** The last layer: nothing downstream reads it, so it exposes no outputs (`cdktf output` aside). */
export class EdgeStack extends BlogStack {
  constructor(scope: Construct, props: EdgeStackProps) {
    super(scope, "edge", props);
    const { network, data, api } = props;
    // CloudFront certificates and web ACLs live in us-east-1 whatever the app's region.
    const usEast1 = this.providerIn("us-east-1");

    const site = new StaticSite(this, "static-site", {
      names: this.names,
      kmsKeyArn: network.kmsKeyArn,
      accessLogBucket: network.accessLogBucketName,
    });
    const domain =
      this.siteDomain && this.config.domain
        ? new SiteDomain(this, "site-domain", {
            name: this.siteDomain,
            hostedZoneId: this.config.domain.hostedZoneId,
            provider: usEast1,
            // Only the environment serving the configured name itself: www.dev.blog.example.com is no one's habit.
            www: (this.config.domain.www ?? true) && this.siteDomain === this.config.domain.name,
          })
        : undefined;
    const webAclArn = this.env.edge.waf
      ? new EdgeWebAcl(this, "web-acl", {
          name: this.names.global("edge"),
          metricName: this.names.resource("edge"),
          logRetentionDays: this.env.logRetentionDays,
          provider: usEast1,
        }).arn
      : undefined;

    const cdn = new SiteDistribution(this, "distribution", {
      names: this.names,
      region: this.region,
      siteBucket: site.bucket,
      mediaBucket: data.mediaBucket,
      api: { endpoint: api.apiEndpoint, originVerifyValue: api.originVerifyValue },
      uploadsBucketName: data.uploadsBucket.name,
      cognitoIdentity: this.config.auth.mode === "cognito",
      priceClass: this.env.edge.priceClass,
      accessLogBucketDomainName: network.accessLogBucketDomainName,
      domain,
      webAclArn,
    });
    const siteUrl = cdn.url;
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

    domain?.pointAt(cdn.distribution);

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
    // The environment's dashboard lives here: the last layer is the only one that knows the distribution and already
    // reads the API id; every other layer's resources have deterministic names, so reading them adds no dependency.
    new Operations(this, "operations", {
      names: this.names,
      region: this.region,
      accountId: this.accountId,
      provider: usEast1,
      production: this.env.production,
      distributionId: cdn.distribution.id,
      apiId: api.apiId,
      monitored: props.monitored,
      databaseConnectionsAlarm: connectionsAlarmThreshold(this.env.database),
      alarmEmails: this.env.alarmEmails,
      alarmSubscriptions: this.env.alarmTopicSubscriptions,
    });
    // Here because it logs this layer's site bucket and the data layer's buckets; its key statement is the network's.
    if (this.env.audit.objectLevelLogging)
      new ObjectAuditTrail(this, "object-audit", {
        names: this.names,
        settings: this.env.audit,
        production: this.env.production,
        region: this.region,
        accountId: this.accountId,
        kmsKeyArn: network.kmsKeyArn,
        accessLogBucketName: network.accessLogBucketName,
        bucketArns: [data.uploadsBucket.arn, data.mediaBucket.arn, site.bucket.arn],
      });
    this.output("distribution_id", cdn.distribution.id, "CloudFront distribution (for invalidations)");
    this.output("web_bucket", site.bucket.name, "Bucket holding the built site");
  }
}
