/**
 * The one configuration of the project: what `main.ts` reads, validates and hands to the stacks.
 *
 * Every key is documented in README.md ("Configuration reference"). Environment sizing has two presets
 * (development and production); an environment's own keys override its preset key by key.
 */
import { UNRESERVED_MINIMUM, concurrencyNeeded, describeShares, reservedConcurrency } from "./concurrency";
import { z } from "zod";
import { ROLE_ARN_PATTERN, roleAccount } from "../shared/account-access";
import { ORIGIN_VERIFICATION_MODES } from "../shared/origin-verification";
import { connectionProblem } from "./database-connections";
import { noAlarmRecipients, strictObject } from "./messages";

/** Retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const name = (what: string, max: number) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, `${what} must start with a letter and use only a-z, 0-9 and "-"`)
    .max(max, `${what} must be at most ${max} characters (it prefixes AWS resource names)`);

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1");
const email = z.email("must be an e-mail address");
const logRetention = z.number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
  message: `must be one of ${LOG_RETENTION_DAYS.join(", ")} (the values CloudWatch Logs accepts)`,
});
const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, "must be an IPv4 CIDR between /16 and /24");

const existingVpcSchema = strictObject({
  /** Id of the VPC to adopt instead of creating one. */
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id (vpc-…)"),
  /** Public subnets (one per AZ): used only for NAT gateways the team already runs; may be empty. */
  publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id")).default([]),
  /** Private subnets with egress, where the in-VPC functions run (at least 2). */
  privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id")).min(2),
  /** Isolated subnets without egress, where RDS and Redis live (at least 2). */
  isolatedSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id")).min(2),
});

const networkSchema = strictObject({
  cidr,
  azCount: z.literal([2, 3]),
  natMode: z.enum(["none", "single", "per-az"]),
  flowLogRetentionDays: logRetention,
  existingVpc: existingVpcSchema.optional(),
});

/** SNS cannot subscribe a topic to a topic: an existing topic is "fanned in" as an extra action of every alarm. */
export const alarmSubscriptionSchema = z.discriminatedUnion("protocol", [
  strictObject({ protocol: z.literal("email"), endpoint: email }),
  strictObject({
    protocol: z.literal("https"),
    endpoint: z.url({ protocol: /^https$/, error: "must be an https URL" }),
  }),
  strictObject({
    protocol: z.literal("topic"),
    topicArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/,
        "must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
      ),
  }),
]);
export type AlarmSubscription = z.infer<typeof alarmSubscriptionSchema>;

const databaseSchema = strictObject({
  /**
   * The PostgreSQL major ("16"): with automatic minor upgrades on, the provider keeps a major that prefixes the running
   * version (`engine_version_actual`), so AWS's upgrade shows no diff. A minor ("16.6") pins it: only with
   * autoMinorVersionUpgrade false (checked below), else the plan after AWS's upgrade would be a downgrade.
   */
  engineVersion: z
    .string()
    .regex(/^1[4-7](\.\d+)?$/, "must be a PostgreSQL major version 14-17 (e.g. 16), or major.minor (16.6)"),
  /** AWS upgrades the minor version in the maintenance window; off only to pin engineVersion to a minor. */
  autoMinorVersionUpgrade: z.boolean(),
  instanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class (db.t4g.micro)"),
  allocatedStorageGb: z.number().int().min(20).max(65536),
  maxAllocatedStorageGb: z.number().int().min(20).max(65536),
  multiAz: z.boolean(),
  backupRetentionDays: z.number().int().min(7, "must be at least 7 (FSBP RDS.11)").max(35),
  deletionProtection: z.boolean(),
  performanceInsightsRetentionDays: z.number().int().min(7),
  databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier"),
  /**
   * DatabaseConnections that page: by default 70% of the instance class's default max_connections
   * (config/database-connections.ts); set it when a parameter group changes max_connections.
   */
  connectionsAlarmThreshold: z.number().int().positive().optional(),
  /** RDS Proxy in front of PostgreSQL for the API (IAM end to end, TLS); off: the API connects to the instance. */
  proxy: z.boolean(),
});

const cacheSchema = strictObject({
  engine: z.enum(["redis", "valkey"]),
  /**
   * major.minor ("8.0"; "6.x" for Redis 6): the form the AWS provider accepts for Redis 6+ and Valkey (it rejects a
   * major alone). ElastiCache's automatic minor upgrades change the patch version only (8.0.1 → 8.0.2), which the
   * provider reports in `engine_version_actual` and keeps out of `engine_version`: no diff.
   */
  engineVersion: z
    .string()
    .regex(/^([6-9]|[1-9]\d)\.(\d+|x)$/, 'must be major.minor such as 8.0 or 7.2 ("6.x" for Redis 6)'),
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "must be an ElastiCache node type"),
  /** Number of nodes (primary + replicas); 2 or more enables automatic failover. */
  nodeCount: z.number().int().min(1).max(6),
  multiAz: z.boolean(),
  snapshotRetentionDays: z.number().int().min(1, "must be at least 1 (FSBP ElastiCache.1)").max(35),
});

const dynamodbSchema = strictObject({
  deletionProtection: z.boolean(),
  replicaRegions: z.array(awsRegion),
});

const backupSchema = strictObject({
  /**
   * An AWS Backup plan (lib/backup-plan.ts) over the database, the DynamoDB tables and the two buckets, on top of
   * the stores' own backups: longer retention and, with copyRegion, a copy outside the region. Priced in docs/cost.md.
   */
  plan: z.boolean(),
  /** When the daily recovery point is taken: an EventBridge cron expression, UTC. */
  schedule: z
    .string()
    .regex(/^cron\((\S+ ){5}\S+\)$/, "must be a cron expression with six fields, such as cron(0 3 * * ? *)"),
  /** Days AWS Backup keeps each recovery point (and its copy). */
  retentionDays: z.number().int().min(1).max(36500),
  /** A region whose vault receives a copy of each recovery point (disaster recovery). @default none */
  copyRegion: awsRegion.optional(),
});

const auditSchema = strictObject({
  /**
   * A CloudTrail trail of S3 data events on the uploads, media and site buckets (lib/object-audit-trail.ts): who
   * wrote, overwrote or deleted which object, with log file validation. Priced per event (docs/cost.md).
   */
  objectLevelLogging: z.boolean(),
  /** Log reads too (every GetObject, CloudFront's included): by far the most events. */
  logReads: z.boolean(),
  /** A multi-region trail; off: the app's region, where its buckets are. */
  multiRegion: z.boolean(),
  /** Days the trail's log files are kept. */
  retentionDays: z.number().int().min(1).max(3650),
});

const storageSchema = strictObject({
  rawUploadExpirationDays: z.number().int().min(1),
  noncurrentVersionExpirationDays: z.number().int().min(1),
  corsAllowedOrigins: z.array(z.string().regex(/^https?:\/\/[^\s/]+$/, "must be an origin like https://x.y")),
});

const apiSchema = strictObject({
  throttleRateLimit: z.number().positive(),
  throttleBurstLimit: z.number().int().positive(),
  /** Reserved concurrency of the API function: caps what a traffic spike can do to the database. */
  reservedConcurrency: z.number().int().min(1),
  /** Execution environments kept initialised on the API's `live` alias (no cold starts; billed while idle). 0 = off. */
  provisionedConcurrency: z.number().int().min(0),
  /**
   * Generation of the value CloudFront proves itself to the API with (lib/origin-verification.ts): raising it by one
   * generates a new value in the slot CloudFront does not send and makes it the one sent; the API accepts both slots.
   */
  originVerifyGeneration: z.number().int().min(0),
  /**
   * `enforce`: a request without a valid origin-verification value is refused. `accept-unverified`: one without any
   * value is still served (its viewer headers not trusted), the first rollout of the check to a running environment
   * whose CloudFront does not send the value yet; a wrong value is refused in both.
   */
  originVerification: z.enum(ORIGIN_VERIFICATION_MODES),
  /**
   * Last day (YYYY-MM-DD, UTC) production may stay in `accept-unverified`: required there, and the rule pack's
   * BLOG_API_ORIGIN_VERIFIED fails from the next day on.
   */
  acceptUnverifiedUntil: z.iso.date("must be a date written YYYY-MM-DD").optional(),
});

/** CodeDeploy's predefined Lambda deployment configurations, by the name after `CodeDeployDefault.Lambda`. */
export const DEPLOYMENT_PRESETS = [
  "AllAtOnce",
  "Canary10Percent5Minutes",
  "Canary10Percent10Minutes",
  "Canary10Percent15Minutes",
  "Canary10Percent30Minutes",
  "Linear10PercentEvery1Minute",
  "Linear10PercentEvery2Minutes",
  "Linear10PercentEvery3Minutes",
  "Linear10PercentEvery10Minutes",
] as const;

const releaseSchema = strictObject({
  /** How CodeDeploy shifts the `live` alias of the API and event functions to a new version. */
  deploymentPreset: z.enum(DEPLOYMENT_PRESETS),
  /**
   * Before any traffic moves to a new API version, a hook function invokes that version with `GET /api/health`;
   * anything but a 200 fails the deployment, which rolls back (lib/release-hook.ts).
   */
  preTrafficHook: z.boolean(),
});

const edgeSchema = strictObject({
  priceClass: z.enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"]),
  /** Attach a WAF web ACL (managed common rules + rate limit) to CloudFront. */
  waf: z.boolean(),
});

const roleArn = z
  .string()
  .regex(ROLE_ARN_PATTERN, "must be an IAM role ARN such as arn:aws:iam::111111111111:role/deploy");

/** The AWS account an environment lives in, and the roles that plan and deploy it (README: "Accounts"). */
const accountSchema = strictObject({
  /** Every AWS provider of the environment refuses credentials of any other account (`allowed_account_ids`). */
  id: z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id"),
  /** Assumed by the providers for `npm run apply` and `cdktf deploy`; the state backend's role by default. */
  deployRoleArn: roleArn.optional(),
  /** Read-only role assumed by the providers for `npm run plan` and drift detection. */
  planRoleArn: roleArn.optional(),
  /** `sts:ExternalId` the roles' trust policies require. */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, "must be 2-1224 characters of letters, digits and _+=,.@:/-")
    .optional(),
  /** Session name of the assumed role, seen in CloudTrail. @default "<app>-<env>-<layer>" (the stack name) */
  sessionName: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/, "must be 2-64 characters of letters, digits and _+=,.@-")
    .optional(),
});

const backendSchema = z.discriminatedUnion("type", [
  strictObject({ type: z.literal("local") }),
  strictObject({
    type: z.literal("s3"),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    region: awsRegion,
    keyPrefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]+$/, "must be an S3 key prefix without spaces"),
    /** Native S3 locking (Terraform >= 1.10). */
    useLockfile: z.boolean(),
    /** Legacy DynamoDB lock table, for teams on older Terraform. */
    dynamodbTable: z.string().min(3).optional(),
    kmsKeyId: z.string().min(1).optional(),
    /** Role the backend assumes to read and write state. @default the environment's account.deployRoleArn */
    roleArn: roleArn.optional(),
  }),
  strictObject({
    type: z.literal("hcp"),
    organization: z.string().min(1),
    hostname: z.string().min(1),
    /** Workspace per stack: <workspacePrefix><stack name>. */
    workspacePrefix: z.string(),
  }),
]);

export const environmentSchema = strictObject({
  /** Production sizing defaults and the stricter rules (multi-AZ, deletion protection, an account id). */
  production: z.boolean(),
  network: networkSchema,
  database: databaseSchema,
  cache: cacheSchema,
  dynamodb: dynamodbSchema,
  backup: backupSchema,
  audit: auditSchema,
  storage: storageSchema,
  api: apiSchema,
  edge: edgeSchema,
  logRetentionDays: logRetention,
  /** Addresses subscribed to the ops alarm topic (they must confirm the subscription). */
  alarmEmails: z.array(email),
  release: releaseSchema,
  /**
   * The account's Lambda "Concurrent executions" quota in this region: the functions' reserved concurrency plus the
   * 100 AWS keeps unreserved must fit in it (config/concurrency.ts).
   */
  accountConcurrencyLimit: z
    .number()
    .int()
    .min(UNRESERVED_MINIMUM + 1),
  account: accountSchema.optional(),
  /** Accept credentials of any account: the explicit opt-out of `account.id` in production. */
  allowAnyAccount: z.boolean().optional(),
  /** This environment's state backend, merged key by key over the top-level `backend` (its account's bucket). */
  backend: backendSchema.optional(),
  /**
   * Where else alarms go: e-mail or HTTPS subscriptions of the ops topic, or an existing SNS topic of the team
   * (a pager or chat integration) that every alarm of that topic's region also notifies.
   */
  alarmTopicSubscriptions: z.array(alarmSubscriptionSchema),
  /**
   * The environment is about to be destroyed (lib/teardown.ts): its data stores give up their protections once this
   * is applied — RDS, DynamoDB and Cognito deletion protection off, the buckets and the backup vault emptied by the
   * destroy (`force_destroy`). Production still takes its final snapshot. `npm run plan -- --destroy` names it.
   */
  teardown: z.boolean(),
});

const hostedZoneId = z.string().regex(/^Z[A-Z0-9]{4,32}$/, "must be a Route 53 hosted zone id (Z…)");

const domainSchema = strictObject({
  /** Apex or sub-domain served by CloudFront, e.g. blog.example.com (prefixed with the environment unless production). */
  name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a DNS name such as blog.example.com"),
  /** Route 53 hosted zone that validates the certificate and holds the alias records. */
  hostedZoneId,
  /**
   * The environment serving `name` also answers `www.<name>` (certificate, DNS) and redirects it to `name` with a
   * 301 (edge/viewer-request.js). Other environments' subdomains get no www. @default true
   */
  www: z.boolean().optional(),
});

const authSchema = z.discriminatedUnion("mode", [
  strictObject({ mode: z.literal("cognito") }),
  strictObject({
    mode: z.literal("jwt"),
    issuer: z.url({ protocol: /^https$/, error: "must be an https issuer URL" }),
    audience: z.array(z.string().min(1)).min(1),
  }),
]);

export const configSchema = strictObject({
  appName: name("appName", 16),
  region: awsRegion,
  /**
   * The region whose deployment of the app owns what the app's deployments share (config/ownership.ts): the state
   * keys without a region, the state bootstrap, `domain.name` and the sender's domain. A deployment of the same app
   * in a second region sets `region` to its own and this to the first one's. @default region
   */
  homeRegion: awsRegion.optional(),
  /**
   * The environment that serves `domain.name` and sends as `ses.sender`; every other environment uses its own
   * subdomain and sender (config/ownership.ts). @default the production environment, when there is exactly one
   */
  primaryEnvironment: z.string().optional(),
  tags: z.record(
    z
      .string()
      .regex(/^[\w .:/=+@-]{1,128}$/, "a tag key is 1-128 letters, digits, spaces or _ . : / = + @ -"),
    z.string().max(256),
  ),
  ses: strictObject({
    /** From address of the welcome e-mail. */
    sender: email,
    /** Verify the whole domain (DKIM) instead of the single sender address. */
    identity: z.enum(["address", "domain"]),
    /**
     * Zone holding the sender's domain, where its DKIM, MAIL FROM and DMARC records are written.
     * @default domain.hostedZoneId when the sender's domain is domain.name or under it; otherwise none (the records
     * are an output of the events stack)
     */
    hostedZoneId: hostedZoneId.optional(),
    /** Subdomain of the sender's domain used as MAIL FROM (bounces return there; SPF aligns). */
    mailFromLabel: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be one DNS label such as mail"),
    /**
     * DMARC policy of the sender's domain. `none` by default: the record governs every sender of the domain, not
     * only SES, and this stack cannot see the others; enforce once the aggregate reports show them all aligned.
     */
    dmarcPolicy: z.enum(["none", "quarantine", "reject"]),
    /** Where receivers send DMARC aggregate reports (`rua`). @default none */
    dmarcReportAddress: email.optional(),
  }),
  auth: authSchema,
  domain: domainSchema.optional(),
  backend: backendSchema,
  environments: z
    .record(name("environment name", 8), environmentSchema)
    .refine((envs) => Object.keys(envs).length > 0, "must define at least one environment"),
})
  // Runs even when other keys are invalid, so that the production rules are reported together with them.
  .superRefine((config, ctx) => crossFieldRules(config, ctx), { when: () => true });

/**
 * A production environment whose alarms reach nobody. Applies to the environments a configuration declares; the
 * built-in dev/prod pair of the zero-config synth is a demonstration and stays synthesizable (config/load.ts).
 */
export function alarmRecipientProblems(environments: unknown): { path: string[]; message: string }[] {
  const found: { path: string[]; message: string }[] = [];
  for (const [env, value] of Object.entries(asObject(environments))) {
    const e = asObject(value);
    if (e.production !== true) continue;
    const { alarmEmails, alarmTopicSubscriptions } = e;
    if (!Array.isArray(alarmEmails) || !Array.isArray(alarmTopicSubscriptions)) continue;
    if (alarmEmails.length > 0 || alarmTopicSubscriptions.length > 0) continue;
    found.push({
      path: ["environments", env, "alarmEmails"],
      message: noAlarmRecipients(env),
    });
  }
  return found;
}

type Raw = Record<string, unknown>;
const asObject = (value: unknown): Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : {};

/** Rules between keys. The input may be partly invalid: a rule only judges values of the right type. */
function crossFieldRules(config: unknown, ctx: z.RefinementCtx): void {
  const root = asObject(config);
  for (const [env, value] of Object.entries(asObject(root.environments))) {
    const e = asObject(value);
    const database = asObject(e.database);
    const cache = asObject(e.cache);
    const dynamodb = asObject(e.dynamodb);
    const problem = (message: string, ...path: string[]) =>
      ctx.addIssue({ code: "custom", path: ["environments", env, ...path], message });
    const { allocatedStorageGb, maxAllocatedStorageGb } = database;
    if (
      typeof allocatedStorageGb === "number" &&
      typeof maxAllocatedStorageGb === "number" &&
      maxAllocatedStorageGb < allocatedStorageGb
    ) {
      problem(
        `must be at least database.allocatedStorageGb (${allocatedStorageGb})`,
        "database",
        "maxAllocatedStorageGb",
      );
    }
    if (cache.multiAz === true && typeof cache.nodeCount === "number" && cache.nodeCount < 2) {
      problem(
        "must be at least 2 when cache.multiAz is true (a replica to fail over to)",
        "cache",
        "nodeCount",
      );
    }
    const connections = connectionProblem(database, asObject(e.api));
    if (connections) problem(connections.message, ...connections.path);
    if (Array.isArray(dynamodb.replicaRegions) && dynamodb.replicaRegions.includes(root.region)) {
      problem(`must not contain the main region ${String(root.region)}`, "dynamodb", "replicaRegions");
    }
    const home = root.homeRegion;
    if (
      typeof home === "string" &&
      home !== root.region &&
      Array.isArray(dynamodb.replicaRegions) &&
      dynamodb.replicaRegions.includes(home)
    )
      problem(
        `must not contain the home region ${home}: this app's deployment there has its own tables of the same names (config/ownership.ts)`,
        "dynamodb",
        "replicaRegions",
      );
    const backup = asObject(e.backup);
    if (typeof backup.copyRegion === "string" && backup.copyRegion === root.region)
      problem(`must be another region than the main region ${String(root.region)}`, "backup", "copyRegion");
    accountRules(env, e, problem);
    concurrencyRules(env, e, problem);
    originVerificationRules(env, e, problem);
    engineVersionRules(database, cache, problem);
    if (e.production !== true) continue;
    for (const [section, values, key] of [
      ["database", database, "multiAz"],
      ["database", database, "deletionProtection"],
      ["dynamodb", dynamodb, "deletionProtection"],
      ["cache", cache, "multiAz"],
    ] as const) {
      if (values[key] === false)
        problem(
          `must be true in a production environment (environments.${env}.production is true)`,
          section,
          key,
        );
    }
  }
  sharedAccountConcurrency(asObject(root.environments), ctx);
  sesRules(asObject(root.ses), ctx);
  primaryEnvironmentRules(root, ctx);
}

/**
 * The primary environment owns the app's apex and sender (config/ownership.ts): it must be one of the environments,
 * and it must be named when several are production (each would otherwise claim them).
 */
function primaryEnvironmentRules(root: Raw, ctx: z.RefinementCtx): void {
  const environments = asObject(root.environments);
  const names = Object.keys(environments);
  const { primaryEnvironment } = root;
  if (typeof primaryEnvironment === "string") {
    if (!names.includes(primaryEnvironment))
      ctx.addIssue({
        code: "custom",
        path: ["primaryEnvironment"],
        message: `must be one of the environments (${names.join(", ")})`,
      });
    return;
  }
  const production = names.filter((env) => asObject(environments[env]).production === true);
  if (production.length > 1)
    ctx.addIssue({
      code: "custom",
      path: ["primaryEnvironment"],
      message:
        `is required when several environments are production (${production.join(", ")}): the one that serves ` +
        "domain.name and sends as ses.sender; the others use <env>.<domain> and a labelled sender",
    });
}

/**
 * Versions AWS changes on its own must not be pinned in the configuration: a pinned PostgreSQL minor with automatic
 * minor upgrades on turns AWS's upgrade into a downgrade in the next plan; ".x" is the provider's form for Redis 6 only.
 */
function engineVersionRules(
  database: Raw,
  cache: Raw,
  problem: (message: string, ...path: string[]) => void,
): void {
  const { engineVersion, autoMinorVersionUpgrade } = database;
  if (typeof engineVersion === "string" && engineVersion.includes(".") && autoMinorVersionUpgrade === true)
    problem(
      `"${engineVersion}" pins a minor version while database.autoMinorVersionUpgrade is true: AWS's next minor upgrade would make the next plan a downgrade. Use the major version alone (14, 15, 16 or 17; the running version is the stack output db_engine_version_actual), or set database.autoMinorVersionUpgrade to false to pin it`,
      "database",
      "engineVersion",
    );
  const version = cache.engineVersion;
  if (typeof version !== "string" || !/^\d+\.(\d+|x)$/.test(version)) return;
  const major = Number(version.split(".")[0]);
  if (version.endsWith(".x") && !(cache.engine === "redis" && major === 6))
    problem(
      `"${version}": ".x" is the provider's form for Redis 6 only ("6.x"); Redis 7+ and Valkey take major.minor, e.g. 7.1 or 8.0`,
      "cache",
      "engineVersion",
    );
  else if (cache.engine === "valkey" && major < 7)
    problem(`"${version}": Valkey starts at 7.2; use e.g. 7.2 or 8.0`, "cache", "engineVersion");
}

/** The transition mode ends by a reviewed date in production; the date means nothing without the mode. */
function originVerificationRules(
  env: string,
  e: Raw,
  problem: (message: string, ...path: string[]) => void,
): void {
  const { originVerification, acceptUnverifiedUntil } = asObject(e.api);
  if (originVerification === "enforce" && acceptUnverifiedUntil !== undefined)
    problem('applies only with api.originVerification "accept-unverified"', "api", "acceptUnverifiedUntil");
  if (
    e.production === true &&
    originVerification === "accept-unverified" &&
    acceptUnverifiedUntil === undefined
  )
    problem(
      `is required when api.originVerification is "accept-unverified" in a production environment (environments.${env}.production is true): the last day of the transition, after which the rule pack fails`,
      "api",
      "acceptUnverifiedUntil",
    );
}

/** The DNS keys of `ses` describe a domain identity; with a single address they would be silently ignored. */
function sesRules(ses: Raw, ctx: z.RefinementCtx): void {
  if (ses.identity !== "address") return;
  for (const key of ["hostedZoneId", "dmarcReportAddress"])
    if (ses[key] !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["ses", key],
        message: 'applies only with ses.identity "domain" (an address identity has no DNS records)',
      });
}

/** Environments that name the same account (in the one region of the app) draw on one Lambda quota. */
function sharedAccountConcurrency(environments: Raw, ctx: z.RefinementCtx): void {
  const byAccount = new Map<string, Array<[string, Raw]>>();
  for (const [env, value] of Object.entries(environments)) {
    const id = asObject(asObject(value).account).id;
    if (typeof id === "string") byAccount.set(id, [...(byAccount.get(id) ?? []), [env, asObject(value)]]);
  }
  for (const [id, members] of byAccount) {
    if (members.length < 2) continue;
    const shares: Record<string, number> = {};
    // Judged only when every member's values are of the right type (the schema reports the others).
    const judgeable = members.every(
      ([, e]) => typeof asObject(e.api).reservedConcurrency === "number" && typeof e.production === "boolean",
    );
    if (!judgeable) continue;
    for (const [env, e] of members) {
      const reserved = asObject(e.api).reservedConcurrency as number;
      const production = e.production as boolean;
      for (const [name, value] of Object.entries(
        reservedConcurrency({ production, api: { reservedConcurrency: reserved } }),
      ))
        shares[`${env}.${name}`] = value;
    }
    const limits = members.map(([, e]) => e.accountConcurrencyLimit).filter((l) => typeof l === "number");
    const limit = Math.min(...(limits as number[]));
    const needed = concurrencyNeeded(shares);
    if (needed <= limit) continue;
    const [first] = members[0];
    ctx.addIssue({
      code: "custom",
      path: ["environments", first, "accountConcurrencyLimit"],
      message:
        `is ${limit}, but environments ${members.map(([env]) => env).join(", ")} share account ${id} and together ` +
        `reserve ${needed - UNRESERVED_MINIMUM} (${describeShares(shares)}) besides the ${UNRESERVED_MINIMUM} AWS keeps ` +
        "unreserved: lower their api.reservedConcurrency, or raise the quota and this setting",
    });
  }
}

/** Reserved concurrency fits the account's quota, and the API's provisioned concurrency fits its reservation. */
function concurrencyRules(env: string, e: Raw, problem: (message: string, ...path: string[]) => void): void {
  const api = asObject(e.api);
  const { reservedConcurrency: reserved, provisionedConcurrency: provisioned } = api;
  if (typeof reserved !== "number") return;
  if (typeof provisioned === "number" && provisioned > reserved)
    problem(
      `must be at most api.reservedConcurrency (${reserved}): Lambda cannot keep more environments ready than the ` +
        "function may run",
      "api",
      "provisionedConcurrency",
    );
  const limit = e.accountConcurrencyLimit;
  // A limit at or below what AWS keeps is the schema's own error.
  if (typeof limit !== "number" || limit <= UNRESERVED_MINIMUM || typeof e.production !== "boolean") return;
  const shares = reservedConcurrency({ production: e.production, api: { reservedConcurrency: reserved } });
  const needed = concurrencyNeeded(shares);
  if (needed > limit)
    problem(
      `is ${limit}, but the functions reserve ${needed - UNRESERVED_MINIMUM} (${describeShares(shares)}) and AWS ` +
        `keeps ${UNRESERVED_MINIMUM} unreserved: ${needed} in all. Lower environments.${env}.api.reservedConcurrency, ` +
        'or raise this to the account\'s Lambda quota (Service Quotas: "Concurrent executions")',
      "accountConcurrencyLimit",
    );
}

/** The account block's own rules: roles of the same account, and production names its account. */
function accountRules(env: string, e: Raw, problem: (message: string, ...path: string[]) => void): void {
  const account = asObject(e.account);
  for (const key of ["deployRoleArn", "planRoleArn"]) {
    const arn = account[key];
    const owner = typeof arn === "string" ? roleAccount(arn) : undefined;
    if (owner && typeof account.id === "string" && owner !== account.id)
      problem(
        `is a role of account ${owner}, not of environments.${env}.account.id (${account.id})`,
        "account",
        key,
      );
  }
  if (e.allowAnyAccount === true && e.account !== undefined)
    problem(
      "must not be true when account is set (the account guard cannot be on and off)",
      "allowAnyAccount",
    );
  if (e.production === true && e.account === undefined && e.allowAnyAccount !== true)
    problem(
      `is required in a production environment (environments.${env}.production is true): set account.id, ` +
        "or allowAnyAccount: true to let it run with whatever credentials are at hand",
      "account",
    );
}

export type BlogConfig = z.infer<typeof configSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type BackendConfig = BlogConfig["backend"];
export type AccountConfig = z.infer<typeof accountSchema>;

/** The state backend of an environment: its own `backend` (merged over the top level by the loader), or the top level's. */
export function backendOf(config: BlogConfig, envName: string): BackendConfig {
  return config.environments[envName].backend ?? config.backend;
}
