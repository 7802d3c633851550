/**
 * The configuration matrix: the example configurations in `examples/` (and the zero-config default, which has no
 * file), what each stands for, and which of them are deployments of one app that share an account or a zone.
 */
import * as path from "path";

export interface Example {
  /** Short name, as `npm run matrix -- <name>` takes it. */
  readonly name: string;
  /** The configuration file, relative to the project root (`BLOG_CONFIG`). @default none: zero-config */
  readonly file?: string;
  /** What a team copies it for (the README's matrix table says the same). */
  readonly summary: string;
  /**
   * Examples with the same `app` are deployments of one app (another region of the same account): every name
   * that is global to an account or a zone must be owned by one stack across all of them.
   */
  readonly app: string;
}

export const EXAMPLES: readonly Example[] = [
  {
    name: "zero-config",
    summary: "no file: dev and prod with local state, no account, domain or alarm recipients",
    app: "zero-config",
  },
  {
    name: "production",
    file: "examples/production.json",
    summary:
      "custom domain in a hosted zone, WAF, DynamoDB replicas, AWS Backup with a cross-region copy, an account " +
      "(and state bucket) per environment, alarm e-mail/HTTPS/topic subscriptions, SES domain identity with DMARC",
    app: "production",
  },
  {
    name: "one-account",
    file: "examples/one-account.json",
    summary:
      "dev and prod in one account and one hosted zone: existing VPCs, auth.mode jwt, S3 backend with a DynamoDB " +
      "lock table, custom domain, SES domain identity, prod's backups copied to us-east-1",
    app: "one-account",
  },
  {
    name: "second-region",
    file: "examples/second-region.json",
    summary:
      "one-account's app again in us-east-1 (homeRegion eu-west-1): same account, zone and state bucket; prod's " +
      "backups copied to eu-west-1",
    app: "one-account",
  },
];

/** The examples named, in matrix order; all of them when none is named. Unknown names are an error. */
export function selectExamples(names: readonly string[]): Example[] {
  const unknown = names.filter((n) => !EXAMPLES.some((e) => e.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown example(s) ${unknown.join(", ")}; the matrix has ${EXAMPLES.map((e) => e.name).join(", ")}`,
    );
  return EXAMPLES.filter((e) => names.length === 0 || names.includes(e.name));
}

/** The variables a synth of `example` runs with: `BLOG_CONFIG` or none, and no other `BLOG_*` of the caller's. */
export function exampleEnvironment(
  example: Example,
  root: string,
  base: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of Object.keys(env)) if (key.startsWith("BLOG_")) delete env[key];
  if (example.file) env.BLOG_CONFIG = path.join(root, example.file);
  return env;
}
