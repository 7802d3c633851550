/**
 * The site's own host name: an ACM certificate in us-east-1 (where CloudFront reads certificates) validated through
 * DNS in the hosted zone, and the A/AAAA alias records that point the name at the distribution. With `www`, the name's
 * `www.` host is on the certificate and in DNS too; the viewer-request function redirects it to the name (301).
 */
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { keepAddresses } from "./addressing";

export interface SiteDomainProps {
  /** The site's host name, e.g. `blog.example.com`. */
  readonly name: string;
  /** Route 53 zone that validates the certificate and holds the alias records. */
  readonly hostedZoneId: string;
  /** The us-east-1 provider. */
  readonly provider: AwsProvider;
  /** Also serve `www.<name>` (redirected to the name by the viewer-request function). @default false */
  readonly www?: boolean;
}

export class SiteDomain extends Construct {
  public readonly name: string;
  /** The distribution's other names: `www.<name>` with `www`, else none. */
  public readonly aliases: readonly string[];
  /** ARN of the certificate once validated: a distribution naming it waits for the validation. */
  public readonly certificateArn: string;
  private readonly hostedZoneId: string;

  constructor(scope: Construct, id: string, props: SiteDomainProps) {
    super(scope, id);
    // The edge stack declared these resources itself before this construct existed.
    keepAddresses(this);
    this.name = props.name;
    this.hostedZoneId = props.hostedZoneId;
    this.aliases = props.www ? [`www.${props.name}`] : [];
    const cert = new AcmCertificate(this, "certificate", {
      provider: props.provider,
      domainName: props.name,
      subjectAlternativeNames: this.aliases.length ? [...this.aliases] : undefined,
      validationMethod: "DNS",
      lifecycle: { createBeforeDestroy: true },
    });
    const options = TerraformIterator.fromComplexList(cert.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "certificate-validation", {
      forEach: options,
      zoneId: props.hostedZoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "certificate-valid", {
      provider: props.provider,
      certificateArn: cert.arn,
      // A for expression over the for_each records: Terraform computes the list at plan time.
      validationRecordFqdns: Token.asList(`\${[for record in ${records.fqn} : record.fqdn]}`),
    });
    this.certificateArn = validation.certificateArn;
  }

  /** The A and AAAA alias records of the name, once the distribution exists. */
  pointAt(distribution: { readonly domainName: string; readonly hostedZoneId: string }): void {
    const names: Array<[string, string]> = [
      ["site", this.name],
      ...this.aliases.map((alias): [string, string] => ["site-www", alias]),
    ];
    for (const [id, name] of names) {
      for (const type of ["A", "AAAA"]) {
        new Route53Record(this, `${id}-${type.toLowerCase()}`, {
          zoneId: this.hostedZoneId,
          name,
          type,
          alias: {
            name: distribution.domainName,
            zoneId: distribution.hostedZoneId,
            evaluateTargetHealth: false,
          },
        });
      }
    }
  }
}
