/**
 * Who owns the names that an app's deployments share, so that no two stacks of the app claim one (README: "Several
 * environments, accounts and regions"). The primary environment in the home region owns the apex: it serves
 * `domain.name`, its SES identity is the sender's domain (or address) and it writes the domain's DMARC record. Every
 * other deployment lives under its own labels, `<env>.<region>.<domain>` (each label only where it differs from the
 * owner), for the site and for the mail domain; with an address identity, a non-primary environment sends from the
 * labelled address `<local>+<env>@<domain>` (SES identities are regional, so the region needs no label there). A
 * second region's state keys carry its region, and it leaves the state bootstrap to the home region.
 */
import type { BlogConfig } from "./schema";

type OwnershipConfig = Pick<
  BlogConfig,
  "region" | "homeRegion" | "primaryEnvironment" | "environments" | "domain" | "ses"
>;

/** The environment that owns the apex: configured, else the only production environment, else none. */
export function primaryEnvironment(config: Pick<BlogConfig, "primaryEnvironment" | "environments">) {
  if (config.primaryEnvironment !== undefined) return config.primaryEnvironment;
  const production = Object.keys(config.environments).filter((env) => config.environments[env].production);
  return production.length === 1 ? production[0] : undefined;
}

/** Whether this synth is of the app's home region (the one that owns the state bootstrap and unlabelled names). */
export function isHomeRegion(config: Pick<BlogConfig, "region" | "homeRegion">): boolean {
  return (config.homeRegion ?? config.region) === config.region;
}

/** The DNS labels that set this deployment apart from the apex's owner: its environment, then its region. */
export function deploymentLabels(config: OwnershipConfig, env: string): string[] {
  return [
    ...(env === primaryEnvironment(config) ? [] : [env]),
    ...(isHomeRegion(config) ? [] : [config.region]),
  ];
}

const under = (labels: readonly string[], domain: string) => [...labels, domain].join(".");

/** Host name of the site when a domain is configured: `domain.name` for the apex's owner, else labelled. */
export function siteDomainOf(config: OwnershipConfig, env: string): string | undefined {
  return config.domain && under(deploymentLabels(config, env), config.domain.name);
}

/** What one environment sends its e-mail as, and the SES identity (and DNS) it owns for that. */
export interface Sender {
  /** The From address. */
  readonly address: string;
  readonly identity: AddressIdentity | DomainIdentity;
}
export interface AddressIdentity {
  readonly kind: "address";
  readonly email: string;
}
export interface DomainIdentity {
  readonly kind: "domain";
  /** The domain verified as a whole: the sender's domain, labelled unless this is the apex's owner. */
  readonly domain: string;
  /** Subdomain of `domain` that SES uses as the envelope sender. */
  readonly mailFromLabel: string;
  /** Zone receiving its records. @default none: the records are an output */
  readonly hostedZoneId?: string;
  /** The sender domain's DMARC record: written only by the apex's owner (one record per domain). */
  readonly dmarc?: { readonly policy: "none" | "quarantine" | "reject"; readonly reportAddress?: string };
}

export function senderOf(config: OwnershipConfig, env: string): Sender {
  const { ses } = config;
  const [local, domain] = splitAddress(ses.sender);
  const labels = deploymentLabels(config, env);
  if (ses.identity === "address") {
    // SES keeps address identities per region: only another environment of this region needs its own address.
    const tag = env === primaryEnvironment(config) ? "" : `+${env}`;
    const email = `${local}${tag}@${domain}`;
    return { address: email, identity: { kind: "address", email } };
  }
  const owner = labels.length === 0;
  const identityDomain = under(labels, domain);
  return {
    address: `${local}@${identityDomain}`,
    identity: {
      kind: "domain",
      domain: identityDomain,
      mailFromLabel: ses.mailFromLabel,
      hostedZoneId: senderZone(config, domain),
      dmarc: owner ? { policy: ses.dmarcPolicy, reportAddress: ses.dmarcReportAddress } : undefined,
    },
  };
}

/** `ses.hostedZoneId`, else the site's zone when the sender's domain is the site's domain or under it. */
function senderZone({ ses, domain: site }: OwnershipConfig, domain: string): string | undefined {
  if (ses.hostedZoneId) return ses.hostedZoneId;
  if (site && (domain === site.name || domain.endsWith(`.${site.name}`))) return site.hostedZoneId;
  return undefined;
}

/** `local@domain` → [local, domain] (the schema made sure it is an address). */
function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf("@");
  return [address.slice(0, at), address.slice(at + 1)];
}

/** Where one stack's state lives, apart from the backend's own settings (lib/backend.ts). */
export interface StatePlacement {
  /** The S3 key under the prefix, without `.tfstate`: `<env>/<layer>`, in a second region `<env>/<region>/<layer>`. */
  readonly stateKey: string;
  /** The local state file's and the HCP workspace's name: the stack's, in a second region with `-<region>`. */
  readonly stateName: string;
}

export function statePlacement(
  config: Pick<BlogConfig, "appName" | "region" | "homeRegion">,
  env: string,
  layer: string,
): StatePlacement {
  const stackName = `${config.appName}-${env}-${layer}`;
  if (isHomeRegion(config)) return { stateKey: `${env}/${layer}`, stateName: stackName };
  return { stateKey: `${env}/${config.region}/${layer}`, stateName: `${stackName}-${config.region}` };
}
