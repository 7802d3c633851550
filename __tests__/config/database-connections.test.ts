import {
  apiConnectionBudget,
  defaultMaxConnections,
  DIRECT_HEADROOM,
  PROXY_MAX_CONNECTIONS_PERCENT,
} from "../../config/database-connections";
import { loadConfig } from "../../config/load";
import { ConfigError } from "../../shared/config-error";
import { API_DB_POOL_SIZE } from "../../shared/contracts/limits";
import { PROJECT_ROOT } from "../../lib/paths";

const load = (overrides: Record<string, unknown>) => loadConfig({ root: PROJECT_ROOT, env: {}, overrides });

/** What a production environment a configuration declares needs besides (account guard, alarm recipients). */
const declaredProd = { allowAnyAccount: true, alarmEmails: ["ops@example.com"] };

function problems(overrides: Record<string, unknown>): Record<string, string> {
  try {
    load(overrides);
  } catch (error) {
    if (error instanceof ConfigError)
      return Object.fromEntries(error.problems.map((p) => [p.key, p.message]));
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the API's PostgreSQL connections", () => {
  it("turns the proxy on in production and off in development by default", () => {
    const { config } = loadConfig({ root: PROJECT_ROOT, env: {} });
    expect(config.environments.dev.database.proxy).toBe(false);
    expect(config.environments.prod.database.proxy).toBe(true);
  });

  it("derives max_connections from the instance class's memory, as RDS's default formula does", () => {
    // LEAST(DBInstanceClassMemory/9531392, 5000)
    expect(defaultMaxConnections("db.t4g.micro")).toBe(112);
    expect(defaultMaxConnections("db.t4g.medium")).toBe(450);
    expect(defaultMaxConnections("db.m6g.large")).toBe(901);
    expect(defaultMaxConnections("db.r6g.2xlarge")).toBe(5000);
    expect(defaultMaxConnections("db.x2g.large")).toBeUndefined();
    expect(defaultMaxConnections("db.t4g.16xlarge")).toBeUndefined();
  });

  it("budgets the proxy's share of max_connections, or max_connections less the headroom without it", () => {
    expect(API_DB_POOL_SIZE).toBe(2);
    expect(PROXY_MAX_CONNECTIONS_PERCENT).toBe(90);
    expect(apiConnectionBudget("db.t4g.medium", true)?.connections).toBe(405);
    const headroom = Object.values(DIRECT_HEADROOM).reduce((a, b) => a + b, 0);
    expect(apiConnectionBudget("db.t4g.micro", false)?.connections).toBe(112 - headroom);
  });

  it("refuses more API connections than the RDS Proxy's budget, naming the numbers and the way out", () => {
    expect(
      problems({ environments: { prod: { ...declaredProd, api: { reservedConcurrency: 300 } } } }),
    ).toEqual({
      "environments.prod.api.reservedConcurrency":
        "300 concurrent API functions × 2 PostgreSQL connections each = 600 exceed the 405 connections of the " +
        "RDS Proxy's 90% of max_connections 450 of db.t4g.medium: lower it to at most 202 or choose a larger " +
        "database.instanceClass",
    });
    // The same API fits a larger instance.
    expect(() =>
      load({
        environments: {
          prod: {
            ...declaredProd,
            api: { reservedConcurrency: 300 },
            database: { instanceClass: "db.m6g.large" },
          },
        },
      }),
    ).not.toThrow();
  });

  it("without the proxy, refuses more API connections than max_connections less the migration and operator headroom", () => {
    expect(problems({ environments: { dev: { api: { reservedConcurrency: 60 } } } })).toEqual({
      "environments.dev.api.reservedConcurrency":
        "60 concurrent API functions × 2 PostgreSQL connections each = 120 exceed the 104 connections of " +
        "max_connections 112 of db.t4g.micro less 8 kept for superusers, the migration function and operators: " +
        "lower it to at most 52 or choose a larger database.instanceClass",
    });
    expect(() => load({ environments: { dev: { api: { reservedConcurrency: 52 } } } })).not.toThrow();
    // Production with its proxy turned off is judged against the instance too.
    expect(
      problems({
        environments: {
          prod: { ...declaredProd, database: { proxy: false }, api: { reservedConcurrency: 250 } },
        },
      }),
    ).toEqual({
      "environments.prod.api.reservedConcurrency": expect.stringMatching(
        /^250 concurrent API functions .* = 500 exceed the 442 connections of max_connections 450 of db\.t4g\.medium less 8 /,
      ),
    });
  });

  it("refuses an instance class whose memory the check does not know, naming the known families", () => {
    expect(problems({ environments: { dev: { database: { instanceClass: "db.x2g.large" } } } })).toEqual({
      "environments.dev.database.instanceClass": expect.stringMatching(
        /^is not a class whose memory the connection check knows \(families t3, t4g, m5, .*r7g, .*config\/database-connections\.ts\)/,
      ),
    });
  });

  it("judges only values of the right type, leaving the others to their own messages", () => {
    const found = problems({
      environments: {
        dev: { database: { instanceClass: "t4g", proxy: "yes" }, api: { reservedConcurrency: 0.5 } },
      },
    });
    expect(found).toEqual({
      "environments.dev.database.instanceClass": "must be an RDS instance class (db.t4g.micro)",
      "environments.dev.database.proxy": 'must be true or false, not string "yes"',
      "environments.dev.api.reservedConcurrency": "must be an integer, not the number 0.5",
    });
  });
});
