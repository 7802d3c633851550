/**
 * Zero-config defaults: what a fresh clone synthesizes with no file and no variables.
 * An environment starts from the preset matching its `production` flag; its own keys override it.
 */
import { DEFAULT_ACCOUNT_CONCURRENCY_LIMIT } from "./concurrency";
import type { EnvironmentConfig } from "./schema";

type Preset = Omit<EnvironmentConfig, "production">;

export const DEVELOPMENT_PRESET: Preset = {
  network: { cidr: "10.10.0.0/16", azCount: 2, natMode: "none", flowLogRetentionDays: 30 },
  database: {
    // The major only: AWS applies minor upgrades (autoMinorVersionUpgrade) without a diff in the next plan.
    engineVersion: "16",
    autoMinorVersionUpgrade: true,
    instanceClass: "db.t4g.micro",
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 50,
    multiAz: false,
    backupRetentionDays: 7,
    deletionProtection: false,
    performanceInsightsRetentionDays: 7,
    databaseName: "blog",
    // RDS Proxy bills per vCPU-hour (2 at least): more than this instance; 20 API functions fit it directly.
    proxy: false,
  },
  cache: {
    engine: "valkey",
    engineVersion: "8.0",
    nodeType: "cache.t4g.micro",
    nodeCount: 1,
    multiAz: false,
    snapshotRetentionDays: 1,
  },
  dynamodb: { deletionProtection: false, replicaRegions: [] },
  // Off: the stores' own backups cover a development environment, and a teardown stays one step.
  backup: { plan: false, schedule: "cron(0 3 * * ? *)", retentionDays: 35 },
  // Off: a development environment's objects are test data, and each event is billed.
  audit: { objectLevelLogging: false, logReads: false, multiRegion: false, retentionDays: 90 },
  storage: { rawUploadExpirationDays: 30, noncurrentVersionExpirationDays: 30, corsAllowedOrigins: [] },
  api: {
    throttleRateLimit: 50,
    throttleBurstLimit: 100,
    reservedConcurrency: 20,
    provisionedConcurrency: 0,
    originVerifyGeneration: 0,
    originVerification: "enforce",
  },
  edge: { priceClass: "PriceClass_100", waf: false },
  logRetentionDays: 30,
  alarmEmails: [],
  // No pre-traffic hook: one function less per environment and a quicker release; a broken version shows on the
  // first request to the dev site.
  release: { deploymentPreset: "AllAtOnce", preTrafficHook: false },
  accountConcurrencyLimit: DEFAULT_ACCOUNT_CONCURRENCY_LIMIT,
  alarmTopicSubscriptions: [],
  teardown: false,
};

export const PRODUCTION_PRESET: Preset = {
  network: { cidr: "10.20.0.0/16", azCount: 3, natMode: "per-az", flowLogRetentionDays: 365 },
  database: {
    ...DEVELOPMENT_PRESET.database,
    instanceClass: "db.t4g.medium",
    allocatedStorageGb: 50,
    maxAllocatedStorageGb: 500,
    multiAz: true,
    backupRetentionDays: 14,
    deletionProtection: true,
    // Pools the connections of up to 200 API functions and survives a failover without a connection storm.
    proxy: true,
  },
  cache: {
    ...DEVELOPMENT_PRESET.cache,
    nodeType: "cache.t4g.small",
    nodeCount: 2,
    multiAz: true,
    snapshotRetentionDays: 7,
  },
  dynamodb: { deletionProtection: true, replicaRegions: [] },
  // Off by default too: RDS keeps 14 days of point-in-time backups, DynamoDB 35, S3 every version for 90 days. The
  // plan (docs/operations.md) is for longer retention and a copy in another region: a team opts in per environment.
  backup: { ...DEVELOPMENT_PRESET.backup },
  // On: who wrote, replaced or deleted a reader-facing object is the question after an incident; writes cost cents
  // per 100,000 uploads (docs/cost.md). Reads stay off: every page view would be an event.
  audit: { objectLevelLogging: true, logReads: false, multiRegion: false, retentionDays: 365 },
  storage: { rawUploadExpirationDays: 90, noncurrentVersionExpirationDays: 90, corsAllowedOrigins: [] },
  api: {
    throttleRateLimit: 500,
    throttleBurstLimit: 1000,
    reservedConcurrency: 200,
    provisionedConcurrency: 0,
    originVerifyGeneration: 0,
    originVerification: "enforce",
  },
  edge: { priceClass: "PriceClass_100", waf: true },
  logRetentionDays: 365,
  alarmEmails: [],
  // A tenth of the traffic on the new version for five minutes; its alarms roll it back.
  // The pre-traffic hook: a version that cannot answer its health check never gets the canary's tenth of readers.
  release: { deploymentPreset: "Canary10Percent5Minutes", preTrafficHook: true },
  accountConcurrencyLimit: DEFAULT_ACCOUNT_CONCURRENCY_LIMIT,
  alarmTopicSubscriptions: [],
  teardown: false,
};

/** Environment names that get production defaults when `production` is not given. */
export const PRODUCTION_NAMES = ["prod", "production"];

export const TOP_LEVEL_DEFAULTS = {
  appName: "myblog",
  region: "eu-west-1",
  tags: {},
  ses: { sender: "no-reply@example.com", identity: "address", mailFromLabel: "mail", dmarcPolicy: "none" },
  auth: { mode: "cognito" },
  backend: { type: "local" },
  // The sample pair runs anywhere, so its prod opts out of the account guard explicitly; a file that defines its
  // own environments replaces the pair and must name each production account (or opt out itself).
  environments: { dev: {}, prod: { allowAnyAccount: true } },
} as const;

export const S3_BACKEND_DEFAULTS = { useLockfile: true } as const;
export const HCP_BACKEND_DEFAULTS = { hostname: "app.terraform.io", workspacePrefix: "" } as const;
