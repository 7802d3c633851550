/**
 * The DNS of an SES domain identity: three DKIM CNAMEs, a custom MAIL FROM domain (MX to SES's feedback endpoint,
 * SPF) and the DMARC policy. Written into the hosted zone when there is one, otherwise listed for whoever owns the
 * zone (`records`, which the events stack outputs).
 */
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SesDomainDkim } from "@cdktf/provider-aws/lib/ses-domain-dkim";
import { SesDomainIdentity } from "@cdktf/provider-aws/lib/ses-domain-identity";
import { SesDomainMailFrom } from "@cdktf/provider-aws/lib/ses-domain-mail-from";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { keepAddresses } from "./addressing";

export type DmarcPolicy = "none" | "quarantine" | "reject";

export interface MailDomainProps {
  /** The sender's domain, verified as a whole. */
  readonly domain: string;
  readonly region: string;
  /** Subdomain of `domain` that SES uses as the envelope sender (bounces go there), e.g. `mail`. */
  readonly mailFromLabel: string;
  /** Zone the records are written to. @default none: the records are only listed in `records` */
  readonly hostedZoneId?: string;
  /** The DMARC record, or none where this environment does not own the domain's policy. @default none */
  readonly dmarc?: { readonly policy: DmarcPolicy; readonly reportAddress?: string };
}

export type DnsRecord = {
  readonly name: string;
  readonly type: "CNAME" | "MX" | "TXT";
  readonly value: string;
};

/** SES always issues three DKIM tokens. */
const DKIM_TOKENS = 3;
const TTL_SECONDS = 600;

export class MailDomain extends Construct {
  public readonly identity: SesDomainIdentity;
  public readonly records: readonly DnsRecord[];

  constructor(scope: Construct, id: string, props: MailDomainProps) {
    super(scope, id);
    // The events stack declared the identity and DKIM resources itself before this construct existed.
    keepAddresses(this);
    const { domain } = props;
    this.identity = new SesDomainIdentity(this, "ses-domain", { domain });
    const dkim = new SesDomainDkim(this, "ses-dkim", { domain: this.identity.domain });
    const mailFrom = `${props.mailFromLabel}.${domain}`;
    new SesDomainMailFrom(this, "ses-mail-from", {
      domain: this.identity.domain,
      mailFromDomain: mailFrom,
      // Until the MX resolves SES sends from amazonses.com: mail still goes out, only SPF alignment waits.
      behaviorOnMxFailure: "UseDefaultValue",
    });

    const records: DnsRecord[] = [];
    for (let i = 0; i < DKIM_TOKENS; i++) {
      const token = Fn.element(dkim.dkimTokens, i);
      records.push({
        name: `${token}._domainkey.${domain}`,
        type: "CNAME",
        value: `${token}.dkim.amazonses.com`,
      });
    }
    records.push(
      { name: mailFrom, type: "MX", value: `10 feedback-smtp.${props.region}.amazonses.com` },
      { name: mailFrom, type: "TXT", value: "v=spf1 include:amazonses.com ~all" },
    );
    if (props.dmarc) records.push({ name: `_dmarc.${domain}`, type: "TXT", value: dmarcRecord(props.dmarc) });
    this.records = records;

    const zoneId = props.hostedZoneId;
    if (zoneId === undefined) return;
    const ids = ["mail-dkim-0", "mail-dkim-1", "mail-dkim-2", "mail-from-mx", "mail-from-spf", "mail-dmarc"];
    records.forEach((record, i) => {
      new Route53Record(this, ids[i], {
        zoneId,
        name: record.name,
        type: record.type,
        ttl: TTL_SECONDS,
        records: [record.value],
      });
    });
  }
}

/** `v=DMARC1; p=…` with aggregate reports to `rua` when an address is given. */
export function dmarcRecord(dmarc: NonNullable<MailDomainProps["dmarc"]>): string {
  const report = dmarc.reportAddress ? `; rua=mailto:${dmarc.reportAddress}` : "";
  return `v=DMARC1; p=${dmarc.policy}${report}`;
}
