import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { ConfigError } from "../../shared/config-error";
import { PROJECT_ROOT } from "../../lib/paths";

const load = (overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ root: PROJECT_ROOT, env, overrides });

function problems(fn: () => unknown): { key: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("zero-config defaults", () => {
  it("gives dev and prod with their presets and a local backend", () => {
    const { config, environments } = load();
    expect(environments).toEqual(["dev", "prod"]);
    expect(config.appName).toBe("myblog");
    expect(config.backend).toEqual({ type: "local" });
    expect(config.environments.dev.production).toBe(false);
    expect(config.environments.dev.network.natMode).toBe("none");
    expect(config.environments.prod.production).toBe(true);
    expect(config.environments.prod.database.multiAz).toBe(true);
    expect(config.environments.prod.database.deletionProtection).toBe(true);
    expect(config.environments.prod.network.natMode).toBe("per-az");
  });

  it("lets an environment override single keys of its preset", () => {
    const { config } = load({ environments: { staging: { network: { natMode: "single" } } } });
    expect(Object.keys(config.environments)).toEqual(["staging"]);
    expect(config.environments.staging.network.natMode).toBe("single");
    expect(config.environments.staging.network.cidr).toBe("10.10.0.0/16");
  });
});

describe("bad configuration", () => {
  it("reports every problem with its key and the allowed values", () => {
    const found = problems(() =>
      load({
        appName: "My Blog",
        environments: {
          dev: {
            network: { natMode: "sometimes", cidr: "10.0.0.0/8" },
            database: { backupRetentionDays: 3 },
            logRetentionDays: 42,
            typo: true,
          },
        },
      }),
    );
    const byKey = Object.fromEntries(found.map((p) => [p.key, p.message]));
    expect(byKey.appName).toMatch(/a-z/);
    expect(byKey["environments.dev.network.natMode"]).toMatch(/"none"\|"single"\|"per-az"/);
    expect(byKey["environments.dev.network.cidr"]).toMatch(/\/16 and \/24/);
    expect(byKey["environments.dev.database.backupRetentionDays"]).toMatch(/at least 7/);
    expect(byKey["environments.dev.logRetentionDays"]).toMatch(/one of 1, 3, 5/);
    expect(byKey["environments.dev.typo"]).toMatch(
      /^is not a known key; allowed here: production, network, /,
    );
  });

  it("names the allowed values of a literal choice and the form of a record key", () => {
    const byKey = Object.fromEntries(
      problems(() =>
        load({
          tags: { "bad key!": "x" },
          environments: { Dev_Env: {}, prod: { network: { azCount: 5 } } },
        }),
      ).map((p) => [p.key, p.message]),
    );
    expect(byKey["environments.prod.network.azCount"]).toBe("must be one of 2|3");
    expect(byKey["environments.Dev_Env"]).toBe(
      '"Dev_Env" is not allowed as a key: environment name must start with a letter and use only a-z, 0-9 and "-"',
    );
    expect(byKey["tags.bad key!"]).toMatch(/^"bad key!" is not allowed as a key: a tag key is 1-128 letters/);
  });

  it("words types, bounds, discriminators and unknown keys without zod's bare defaults", () => {
    const found = problems(() =>
      load({
        backend: { type: "ftp" },
        auth: { mode: "saml" },
        environments: {
          dev: {
            network: { cidr: 5, existingVpc: { vpcId: "vpc-0123456789abcdef0", isolatedSubnetIds: ["x"] } },
            database: { allocatedStorageGb: 20.5, multiAz: "yes" },
            api: { throttleRateLimit: 0, reservedConcurrency: 0 },
            cache: { nodeCount: 7 },
          },
        },
      }),
    );
    for (const p of found) expect(p.message).not.toMatch(/^(Invalid|Too (small|big))/);
    const byKey = Object.fromEntries(found.map((p) => [p.key, p.message]));
    expect(byKey).toMatchObject({
      "backend.type": 'must be one of "local"|"s3"|"hcp"',
      "auth.mode": 'must be one of "cognito"|"jwt"',
      "environments.dev.network.cidr": "must be a string, not number 5",
      "environments.dev.network.existingVpc.privateSubnetIds": "is required: a list",
      "environments.dev.network.existingVpc.isolatedSubnetIds": "must have at least 2 items",
      "environments.dev.network.existingVpc.isolatedSubnetIds.0": "must be a subnet id",
      "environments.dev.database.allocatedStorageGb": "must be an integer, not the number 20.5",
      "environments.dev.database.multiAz": 'must be true or false, not string "yes"',
      "environments.dev.api.throttleRateLimit": "must be greater than 0",
      "environments.dev.api.reservedConcurrency": "must be at least 1",
      "environments.dev.cache.nodeCount": "must be at most 6",
    });
  });

  it("reports one problem per unknown key, under the key itself", () => {
    const keys = problems(() =>
      load({ regoin: "eu-west-1", ses: { sendr: "a@b.c", identity: "address" } }),
    ).map((p) => p.key);
    expect(keys.sort()).toEqual(["regoin", "ses.sendr"]);
  });

  it("reports the production rules together with the other problems", () => {
    const found = problems(() =>
      load({
        region: "mars-1",
        environments: {
          prod: {
            network: { azCount: 5 },
            database: { multiAz: false, deletionProtection: false, backupRetentionDays: 1 },
            cache: { multiAz: false },
            dynamodb: { deletionProtection: false },
          },
        },
      }),
    );
    const byKey = Object.fromEntries(found.map((p) => [p.key, p.message]));
    expect(byKey).toMatchObject({
      region: expect.stringMatching(/AWS region/),
      "environments.prod.network.azCount": "must be one of 2|3",
      "environments.prod.database.backupRetentionDays": expect.stringMatching(/at least 7/),
    });
    for (const key of [
      "database.multiAz",
      "database.deletionProtection",
      "cache.multiAz",
      "dynamodb.deletionProtection",
    ])
      expect(byKey[`environments.prod.${key}`]).toBe(
        "must be true in a production environment (environments.prod.production is true)",
      );
  });

  it("judges a rule between keys only on values of the right type", () => {
    const found = problems(() =>
      load({
        environments: {
          prod: {
            allowAnyAccount: true,
            database: { multiAz: "no", allocatedStorageGb: "big" },
            alarmEmails: ["ops@example.com"],
          },
        },
      }),
    );
    expect(found.map((p) => p.key).sort()).toEqual([
      "environments.prod.database.allocatedStorageGb",
      "environments.prod.database.multiAz",
    ]);
    expect(found.every((p) => !/production environment/.test(p.message))).toBe(true);
  });

  it("refuses a production environment without multi-AZ or deletion protection", () => {
    const found = problems(() =>
      load({ environments: { prod: { database: { multiAz: false, deletionProtection: false } } } }),
    );
    expect(found.map((p) => p.key)).toEqual(
      expect.arrayContaining([
        "environments.prod.database.multiAz",
        "environments.prod.database.deletionProtection",
      ]),
    );
  });

  it("requires a bucket for the S3 backend and an organization for HCP", () => {
    expect(problems(() => load({}, { BLOG_BACKEND: "s3" })).map((p) => p.key)).toContain("backend.bucket");
    expect(problems(() => load({}, { BLOG_BACKEND: "hcp" })).map((p) => p.key)).toContain(
      "backend.organization",
    );
    expect(problems(() => load({}, { BLOG_BACKEND: "ftp" }))[0].key).toBe("backend.type");
  });

  it("checks the SES domain keys and refuses them with an address identity", () => {
    expect(
      problems(() =>
        load({
          ses: {
            identity: "domain",
            dmarcPolicy: "strict",
            mailFromLabel: "mail.from",
            hostedZoneId: "zone",
            dmarcReportAddress: "reports",
          },
        }),
      ),
    ).toEqual([
      { key: "ses.hostedZoneId", message: "must be a Route 53 hosted zone id (Z…)" },
      { key: "ses.mailFromLabel", message: "must be one DNS label such as mail" },
      { key: "ses.dmarcPolicy", message: 'must be one of "none"|"quarantine"|"reject"' },
      { key: "ses.dmarcReportAddress", message: "must be an e-mail address" },
    ]);
    const withAddress = problems(() =>
      load({ ses: { hostedZoneId: "Z0123456789ABCDEFGHIJ", dmarcReportAddress: "dmarc@example.com" } }),
    );
    expect(withAddress).toEqual([
      {
        key: "ses.hostedZoneId",
        message: 'applies only with ses.identity "domain" (an address identity has no DNS records)',
      },
      {
        key: "ses.dmarcReportAddress",
        message: 'applies only with ses.identity "domain" (an address identity has no DNS records)',
      },
    ]);
    expect(load({}).config.ses).toMatchObject({ dmarcPolicy: "none", mailFromLabel: "mail" });
  });

  it("checks the backup plan's schedule, retention and copy region", () => {
    const found = problems(() =>
      load({
        environments: {
          dev: { backup: { plan: true, schedule: "daily", retentionDays: 0, copyRegion: "eu-west-1" } },
        },
      }),
    );
    expect(found).toEqual([
      {
        key: "environments.dev.backup.schedule",
        message: expect.stringMatching(/cron expression with six fields, such as cron\(0 3 \* \* \? \*\)/),
      },
      { key: "environments.dev.backup.retentionDays", message: expect.stringMatching(/1/) },
      {
        key: "environments.dev.backup.copyRegion",
        message: "must be another region than the main region eu-west-1",
      },
    ]);
    expect(() =>
      load({ environments: { dev: { backup: { plan: true, copyRegion: "eu-central-1" } } } }),
    ).not.toThrow();
  });

  it("checks an adopted VPC's ids and the cache failover combination", () => {
    const found = problems(() =>
      load({
        environments: {
          dev: {
            network: {
              existingVpc: {
                vpcId: "vpc-1",
                privateSubnetIds: ["subnet-0123456789abcdef0"],
                isolatedSubnetIds: [],
              },
            },
            cache: { multiAz: true, nodeCount: 1 },
          },
        },
      }),
    );
    const keys = found.map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        "environments.dev.network.existingVpc.vpcId",
        "environments.dev.network.existingVpc.privateSubnetIds",
        "environments.dev.network.existingVpc.isolatedSubnetIds",
        "environments.dev.cache.nodeCount",
      ]),
    );
  });

  it("keeps engine versions AWS upgrades on its own out of the plan: a PostgreSQL major, a cache major.minor", () => {
    const { config } = load();
    expect(config.environments.dev.database).toMatchObject({
      engineVersion: "16",
      autoMinorVersionUpgrade: true,
    });
    expect(config.environments.prod.database.engineVersion).toBe("16");
    const byKey = (environment: Record<string, unknown>) =>
      Object.fromEntries(
        problems(() => load({ environments: { dev: environment } })).map((p) => [p.key, p.message]),
      );
    expect(byKey({ database: { engineVersion: "16.6" } })["environments.dev.database.engineVersion"]).toBe(
      '"16.6" pins a minor version while database.autoMinorVersionUpgrade is true: AWS\'s next minor upgrade would make the next plan a downgrade. Use the major version alone (14, 15, 16 or 17; the running version is the stack output db_engine_version_actual), or set database.autoMinorVersionUpgrade to false to pin it',
    );
    expect(byKey({ database: { engineVersion: "18" } })["environments.dev.database.engineVersion"]).toBe(
      "must be a PostgreSQL major version 14-17 (e.g. 16), or major.minor (16.6)",
    );
    expect(() =>
      load({
        environments: { dev: { database: { engineVersion: "16.6", autoMinorVersionUpgrade: false } } },
      }),
    ).not.toThrow();
    expect(byKey({ cache: { engineVersion: "8" } })["environments.dev.cache.engineVersion"]).toBe(
      'must be major.minor such as 8.0 or 7.2 ("6.x" for Redis 6)',
    );
    expect(byKey({ cache: { engineVersion: "8.x" } })["environments.dev.cache.engineVersion"]).toMatch(
      /^"8.x": ".x" is the provider's form for Redis 6 only/,
    );
    expect(byKey({ cache: { engineVersion: "6.2" } })["environments.dev.cache.engineVersion"]).toMatch(
      /Valkey starts at 7.2/,
    );
    for (const cache of [
      { engine: "redis", engineVersion: "6.x" },
      { engine: "redis", engineVersion: "7.1" },
      { engine: "valkey", engineVersion: "7.2" },
    ])
      expect(() => load({ environments: { dev: { cache } } })).not.toThrow();
  });

  it("names an unknown environment in BLOG_ENVIRONMENTS", () => {
    expect(problems(() => load({}, { BLOG_ENVIRONMENTS: "dev,qa" }))[0]).toEqual({
      key: "BLOG_ENVIRONMENTS",
      message: "unknown environment(s) qa; allowed: dev, prod",
    });
  });

  it("reports a configuration file that is not JSON", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-config-"));
    fs.writeFileSync(path.join(dir, "bad.json"), "{ appName: ");
    const found = problems(() => loadConfig({ root: dir, env: { BLOG_CONFIG: "bad.json" } }));
    expect(found[0].message).toMatch(/not valid JSON/);
  });
});

describe("api.originVerification", () => {
  it("defaults to enforce in both presets", () => {
    const { config } = load();
    expect(config.environments.dev.api.originVerification).toBe("enforce");
    expect(config.environments.prod.api.originVerification).toBe("enforce");
  });

  it("names the allowed modes, and asks production for the transition's end date", () => {
    const found = problems(() =>
      load({
        environments: {
          dev: { api: { originVerification: "off", acceptUnverifiedUntil: "15/01/2027" } },
          prod: { production: true, api: { originVerification: "accept-unverified" } },
          qa: { api: { acceptUnverifiedUntil: "2027-01-15" } },
        },
      }),
    );
    const byKey = Object.fromEntries(found.map((p) => [p.key, p.message]));
    expect(byKey).toMatchObject({
      "environments.dev.api.originVerification": 'must be one of "enforce"|"accept-unverified"',
      "environments.dev.api.acceptUnverifiedUntil": "must be a date written YYYY-MM-DD",
      "environments.prod.api.acceptUnverifiedUntil": expect.stringMatching(
        /is required when .*accept-unverified/,
      ),
      "environments.qa.api.acceptUnverifiedUntil": expect.stringMatching(/applies only with/),
    });
  });

  it("accepts the transition with an end date in production, and without one elsewhere", () => {
    const { config } = load({
      environments: {
        dev: { api: { originVerification: "accept-unverified" } },
        prod: {
          production: true,
          alarmEmails: ["ops@example.com"],
          allowAnyAccount: true,
          api: { originVerification: "accept-unverified", acceptUnverifiedUntil: "2027-01-15" },
        },
      },
    });
    expect(config.environments.prod.api.acceptUnverifiedUntil).toBe("2027-01-15");
  });
});

describe("environment variables", () => {
  it("select the S3 backend with its defaults and narrow the environments", () => {
    const { config, environments } = load(
      {},
      {
        BLOG_BACKEND: "s3",
        BLOG_STATE_BUCKET: "acme-tfstate",
        BLOG_ENVIRONMENTS: "prod",
      },
    );
    expect(config.backend).toEqual({
      type: "s3",
      bucket: "acme-tfstate",
      region: "eu-west-1",
      keyPrefix: "myblog",
      useLockfile: true,
    });
    expect(environments).toEqual(["prod"]);
  });
});

describe("the app with a bad configuration", () => {
  it("exits non-zero with the problems and writes nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-bad-"));
    const configFile = path.join(dir, "blog.config.json");
    fs.writeFileSync(
      configFile,
      JSON.stringify({ region: "mars-1", environments: { dev: { network: { azCount: 5 } } } }),
    );
    const outdir = path.join(dir, "out");
    const run = spawnSync(process.execPath, ["scripts/run-app.mjs"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BLOG_CONFIG: configFile, CDKTF_OUTDIR: outdir },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Invalid configuration \(2 problems\)/);
    expect(run.stderr).toMatch(/region: must be an AWS region/);
    expect(run.stderr).toMatch(/environments\.dev\.network\.azCount/);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe("accounts", () => {
  const DEV = "111111111111";
  const PROD = "222222222222";
  const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

  it("accepts an account per environment with its roles, and per-environment state buckets", () => {
    const { config } = load(
      {
        environments: {
          dev: {
            account: { id: DEV, deployRoleArn: role(DEV, "deploy"), planRoleArn: role(DEV, "plan") },
            backend: { bucket: "acme-dev-tfstate" },
          },
          prod: {
            account: { id: PROD, externalId: "acme-ci", sessionName: "ci-prod" },
            alarmEmails: ["ops@example.com"],
          },
        },
      },
      { BLOG_BACKEND: "s3", BLOG_STATE_BUCKET: "acme-tfstate" },
    );
    expect(config.environments.dev.account).toEqual({
      id: DEV,
      deployRoleArn: role(DEV, "deploy"),
      planRoleArn: role(DEV, "plan"),
    });
    // The environment's backend is the top level's with its own keys over it; prod keeps the top level's.
    expect(config.environments.dev.backend).toEqual({
      type: "s3",
      bucket: "acme-dev-tfstate",
      region: "eu-west-1",
      keyPrefix: "myblog",
      useLockfile: true,
    });
    expect(config.environments.prod.backend).toBeUndefined();
  });

  it("requires an account in production unless allowAnyAccount opts out, and never both", () => {
    const ops = { alarmEmails: ["ops@example.com"] };
    expect(problems(() => load({ environments: { live: { production: true, ...ops } } }))).toEqual([
      {
        key: "environments.live.account",
        message:
          "is required in a production environment (environments.live.production is true): set account.id, " +
          "or allowAnyAccount: true to let it run with whatever credentials are at hand",
      },
    ]);
    expect(() =>
      load({ environments: { live: { production: true, allowAnyAccount: true, ...ops } } }),
    ).not.toThrow();
    expect(
      problems(() => load({ environments: { dev: { account: { id: DEV }, allowAnyAccount: true } } })),
    ).toEqual([
      {
        key: "environments.dev.allowAnyAccount",
        message: "must not be true when account is set (the account guard cannot be on and off)",
      },
    ]);
  });

  it("names both accounts when a role belongs to another, and words malformed values", () => {
    const found = problems(() =>
      load({
        environments: {
          prod: {
            account: {
              id: PROD,
              deployRoleArn: role(DEV, "deploy"),
              planRoleArn: "plan-role",
              sessionName: "x",
              externalId: "has space",
            },
            alarmEmails: ["ops@example.com"],
          },
          dev: { account: { id: "1234" } },
        },
      }),
    );
    expect(Object.fromEntries(found.map((p) => [p.key, p.message]))).toEqual({
      "environments.prod.account.deployRoleArn": `is a role of account ${DEV}, not of environments.prod.account.id (${PROD})`,
      "environments.prod.account.planRoleArn":
        "must be an IAM role ARN such as arn:aws:iam::111111111111:role/deploy",
      "environments.prod.account.sessionName": "must be 2-64 characters of letters, digits and _+=,.@-",
      "environments.prod.account.externalId": "must be 2-1224 characters of letters, digits and _+=,.@:/-",
      "environments.dev.account.id": "must be a 12-digit AWS account id",
    });
  });

  it("checks a state role ARN of the S3 backend", () => {
    const found = problems(() =>
      load({ environments: { dev: { backend: { type: "s3", bucket: "acme-dev", roleArn: "state" } } } }),
    );
    expect(found).toEqual([
      {
        key: "environments.dev.backend.roleArn",
        message: "must be an IAM role ARN such as arn:aws:iam::111111111111:role/deploy",
      },
    ]);
  });
});

describe("concurrency budget (config/concurrency.ts)", () => {
  it("refuses reserved concurrency that does not fit the account's quota, naming each function's share", () => {
    const budget = (overrides: Record<string, unknown>) =>
      problems(() => load(overrides)).filter((p) => p.key.endsWith(".accountConcurrencyLimit"));
    const found = budget({ environments: { dev: { api: { reservedConcurrency: 5000 } } } });
    expect(found).toEqual([
      {
        key: "environments.dev.accountConcurrencyLimit",
        message:
          "is 1000, but the functions reserve 5015 (api 5000, thumbnail 5, welcome-email 5, mail-feedback 2, upload-stats 2, migrate 1) " +
          "and AWS keeps 100 unreserved: 5115 in all. Lower environments.dev.api.reservedConcurrency, or raise this " +
          'to the account\'s Lambda quota (Service Quotas: "Concurrent executions")',
      },
    ]);
    // The same reservation fits an account whose quota was raised.
    expect(
      budget({
        environments: { dev: { api: { reservedConcurrency: 5000 }, accountConcurrencyLimit: 6000 } },
      }),
    ).toEqual([]);
    // The edge: 885 + 15 + 100 = 1000 fits exactly; one more does not.
    expect(budget({ environments: { dev: { api: { reservedConcurrency: 885 } } } })).toEqual([]);
    expect(budget({ environments: { dev: { api: { reservedConcurrency: 886 } } } })).toHaveLength(1);
  });

  it("adds up environments that share an account", () => {
    const account = { id: "111111111111" };
    // (Their database connections are checked too; only the budget is asserted here.)
    const found = problems(() =>
      load({
        environments: {
          dev: { account, api: { reservedConcurrency: 400 } },
          prod: { account, api: { reservedConcurrency: 500 }, alarmEmails: ["ops@example.com"] },
        },
      }),
    ).filter((p) => p.key.endsWith(".accountConcurrencyLimit"));
    expect(found).toEqual([
      {
        key: "environments.dev.accountConcurrencyLimit",
        message: expect.stringMatching(
          /^is 1000, but environments dev, prod share account 111111111111 and together reserve 945 \(prod\.api 500, dev\.api 400, prod\.thumbnail 20, /,
        ),
      },
    ]);
  });

  it("keeps provisioned concurrency within the reservation and the limit above what AWS keeps", () => {
    const found = problems(() =>
      load({
        environments: {
          dev: { api: { reservedConcurrency: 10, provisionedConcurrency: 11 }, accountConcurrencyLimit: 50 },
        },
      }),
    );
    expect(Object.fromEntries(found.map((p) => [p.key, p.message]))).toEqual({
      "environments.dev.api.provisionedConcurrency":
        "must be at most api.reservedConcurrency (10): Lambda cannot keep more environments ready than the function may run",
      "environments.dev.accountConcurrencyLimit": "must be at least 101",
    });
  });

  it("names the allowed deployment presets", () => {
    const found = problems(() =>
      load({
        environments: {
          prod: {
            allowAnyAccount: true,
            alarmEmails: ["o@example.com"],
            release: { deploymentPreset: "Canary50" },
          },
        },
      }),
    );
    expect(found).toEqual([
      {
        key: "environments.prod.release.deploymentPreset",
        message: expect.stringMatching(/^must be one of "AllAtOnce"\|"Canary10Percent5Minutes"\|/),
      },
    ]);
  });
});

describe("alarm recipients and thresholds", () => {
  const declaredProd = (prod: Record<string, unknown>) =>
    load({ environments: { prod: { allowAnyAccount: true, ...prod } } });

  it("refuses a declared production environment whose alarms reach nobody, saying what to set", () => {
    const found = problems(() => declaredProd({}));
    expect(found).toEqual([
      {
        key: "environments.prod.alarmEmails",
        message: expect.stringMatching(
          /^is empty, so the alarms of production environment prod reach nobody: set environments\.prod\.alarmEmails to at least one address, or environments\.prod\.alarmTopicSubscriptions to a list of \{ "protocol": "email", "endpoint": "<address>" \} \| \{ "protocol": "https", .*\| \{ "protocol": "topic", "topicArn": "arn:aws:sns:<region>:<account>:<topic>" \}$/,
        ),
      },
    ]);
    // Reported with the other problems, not instead of them.
    const keys = problems(() => declaredProd({ network: { azCount: 5 } })).map((p) => p.key);
    expect(keys.sort()).toEqual(["environments.prod.alarmEmails", "environments.prod.network.azCount"]);
  });

  it("accepts e-mails, or any explicit subscription, and leaves non-production and zero-config alone", () => {
    expect(() => declaredProd({ alarmEmails: ["ops@example.com"] })).not.toThrow();
    for (const subscription of [
      { protocol: "email", endpoint: "ops@example.com" },
      { protocol: "https", endpoint: "https://hooks.example.com/alarms" },
      { protocol: "topic", topicArn: "arn:aws:sns:eu-west-1:123456789012:team-pager" },
    ])
      expect(() => declaredProd({ alarmTopicSubscriptions: [subscription] })).not.toThrow();
    expect(() => load({ environments: { staging: {} } })).not.toThrow();
    // The built-in prod of the zero-config synth is a demonstration: it must synthesize.
    expect(load().config.environments.prod.alarmEmails).toEqual([]);
  });

  it("names the allowed forms of a subscription", () => {
    const byKey = Object.fromEntries(
      problems(() =>
        declaredProd({
          alarmTopicSubscriptions: [
            { protocol: "sms", endpoint: "+123" },
            { protocol: "https", endpoint: "http://plain.example.com" },
            { protocol: "topic", topicArn: "arn:aws:sqs:eu-west-1:123456789012:q" },
          ],
        }),
      ).map((p) => [p.key, p.message]),
    );
    expect(byKey["environments.prod.alarmTopicSubscriptions.0.protocol"]).toBe(
      'must be one of "email"|"https"|"topic"',
    );
    expect(byKey["environments.prod.alarmTopicSubscriptions.1.endpoint"]).toBe("must be an https URL");
    expect(byKey["environments.prod.alarmTopicSubscriptions.2.topicArn"]).toMatch(/must be an SNS topic ARN/);
  });

  it("takes a connections threshold over the class's default, and never a class the connection table lacks", () => {
    expect(() =>
      load({
        environments: {
          dev: { database: { instanceClass: "db.r6g.large", connectionsAlarmThreshold: 900 } },
        },
      }),
    ).not.toThrow();
    // The connection sizing must know the class's memory (config/database-connections.ts), threshold or not.
    const found = problems(() =>
      load({
        environments: {
          dev: { database: { instanceClass: "db.x2g.large", connectionsAlarmThreshold: 900 } },
        },
      }),
    );
    expect(found).toEqual([
      {
        key: "environments.dev.database.instanceClass",
        message: expect.stringMatching(/^is not a class whose memory the connection check knows/),
      },
    ]);
  });
});
