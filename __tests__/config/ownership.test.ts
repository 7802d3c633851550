/** Who owns the names an app's deployments share (config/ownership.ts), and the configuration keys that decide it. */
import { loadConfig } from "../../config/load";
import {
  deploymentLabels,
  isHomeRegion,
  primaryEnvironment,
  senderOf,
  siteDomainOf,
  statePlacement,
} from "../../config/ownership";
import { PROJECT_ROOT } from "../../lib/paths";
import { ConfigError } from "../../shared/config-error";

const load = (overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ root: PROJECT_ROOT, env, overrides }).config;

const domain = {
  domain: { name: "blog.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
  ses: { sender: "hello@blog.example.com", identity: "domain", dmarcPolicy: "reject" },
};
const pair = {
  environments: { dev: {}, prod: { allowAnyAccount: true, alarmEmails: ["ops@example.com"] } },
};

describe("the primary environment", () => {
  it("is the only production environment, else none, unless configured", () => {
    expect(primaryEnvironment(load())).toBe("prod");
    expect(primaryEnvironment(load({ environments: { dev: {}, test: {} } }))).toBeUndefined();
    expect(primaryEnvironment(load({ ...pair, primaryEnvironment: "dev" }))).toBe("dev");
  });

  it("must be named when several environments are production, and be one of them", () => {
    const several = {
      environments: {
        prod: { allowAnyAccount: true, alarmEmails: ["ops@example.com"] },
        live: { production: true, allowAnyAccount: true, alarmEmails: ["ops@example.com"] },
      },
    };
    const problems = (o: Record<string, unknown>) => {
      try {
        load(o);
      } catch (error) {
        return (error as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
      }
      return [];
    };
    expect(problems(several)).toEqual([
      expect.stringMatching(
        /^primaryEnvironment: is required when several environments are production \(prod, live\)/,
      ),
    ]);
    expect(problems({ ...several, primaryEnvironment: "live" })).toEqual([]);
    expect(problems({ ...several, primaryEnvironment: "staging" })).toEqual([
      "primaryEnvironment: must be one of the environments (prod, live)",
    ]);
  });
});

describe("labels, site and sender", () => {
  it("leave the primary environment of the home region unlabelled and label the others", () => {
    const home = load({ ...domain, ...pair });
    expect(isHomeRegion(home)).toBe(true);
    expect(deploymentLabels(home, "prod")).toEqual([]);
    expect(siteDomainOf(home, "prod")).toBe("blog.example.com");
    expect(siteDomainOf(home, "dev")).toBe("dev.blog.example.com");
    expect(senderOf(home, "prod")).toEqual({
      address: "hello@blog.example.com",
      identity: {
        kind: "domain",
        domain: "blog.example.com",
        mailFromLabel: "mail",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        dmarc: { policy: "reject", reportAddress: undefined },
      },
    });
    expect(senderOf(home, "dev")).toMatchObject({
      address: "hello@dev.blog.example.com",
      identity: { domain: "dev.blog.example.com", dmarc: undefined },
    });

    const second = load({ ...domain, ...pair, region: "us-east-1", homeRegion: "eu-west-1" });
    expect(isHomeRegion(second)).toBe(false);
    expect(siteDomainOf(second, "prod")).toBe("us-east-1.blog.example.com");
    expect(siteDomainOf(second, "dev")).toBe("dev.us-east-1.blog.example.com");
    expect(senderOf(second, "prod").identity).toMatchObject({
      domain: "us-east-1.blog.example.com",
      dmarc: undefined,
    });
  });

  it("gives an address sender a label outside the primary environment (SES keeps address identities per region)", () => {
    const config = load({ region: "us-east-1", homeRegion: "eu-west-1" });
    expect(senderOf(config, "prod")).toEqual({
      address: "no-reply@example.com",
      identity: { kind: "address", email: "no-reply@example.com" },
    });
    expect(senderOf(config, "dev").address).toBe("no-reply+dev@example.com");
  });
});

it("refuses a second region's replica in the home region, where the home deployment's tables of the same names are", () => {
  expect(() =>
    load({
      region: "us-east-1",
      homeRegion: "eu-west-1",
      environments: { dev: { dynamodb: { replicaRegions: ["eu-west-1"] } } },
    }),
  ).toThrow(/environments\.dev\.dynamodb\.replicaRegions: must not contain the home region eu-west-1/);
});

describe("state placement", () => {
  it("keeps the home region's keys and names and puts a second region's under its region", () => {
    expect(statePlacement(load(), "dev", "network")).toEqual({
      stateKey: "dev/network",
      stateName: "myblog-dev-network",
    });
    expect(
      statePlacement(load({}, { BLOG_REGION: "us-east-1", BLOG_HOME_REGION: "eu-west-1" }), "dev", "network"),
    ).toEqual({
      stateKey: "dev/us-east-1/network",
      stateName: "myblog-dev-network-us-east-1",
    });
  });
});
