/**
 * The reserved concurrency of every function of an environment, in one table: the stacks set it from here and
 * the configuration check adds it up against the account's Lambda quota before anything is synthesized.
 * Reserved concurrency is carved out of the account's regional pool (1000 by default), of which AWS always keeps
 * 100 unreserved for the functions that reserve none; a request that would reserve more fails at deploy time.
 */

/** Concurrency AWS keeps unreserved in every account and region (PutFunctionConcurrency refuses to go below). */
export const UNRESERVED_MINIMUM = 100;

/** The Lambda quota "Concurrent executions" of a new account and region. */
export const DEFAULT_ACCOUNT_CONCURRENCY_LIMIT = 1000;

/** What the table reads from an environment's configuration. */
export interface ConcurrencyInputs {
  readonly production: boolean;
  readonly api: { readonly reservedConcurrency: number };
}

/** Each function's share, and why it is what it is. */
export function reservedConcurrency(env: ConcurrencyInputs) {
  return {
    /** Caps what a traffic spike can do to the database (`api.reservedConcurrency`). */
    api: env.api.reservedConcurrency,
    /** Migrations never run twice at once. */
    migrate: 1,
    /** Keeps a backlog of new subscribers from exceeding the SES sending rate. */
    "welcome-email": 5,
    /** One small write per bounce or complaint; a burst of them can wait (SNS retries a throttled delivery). */
    "mail-feedback": 2,
    /** Bounds the parallel decodes (2 GB each) a burst of uploads can start. */
    thumbnail: env.production ? 20 : 5,
    /** The most its queue mapping invokes at once (SQS's minimum maximum concurrency is 2). */
    "upload-stats": 2,
  } as const satisfies Readonly<Record<string, number>>;
}

export type ConcurrencyHolder = keyof ReturnType<typeof reservedConcurrency>;

/** "api 200, welcome-email 20, …": each share, largest first. */
export function describeShares(shares: Readonly<Record<string, number>>): string {
  return Object.entries(shares)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
}

/** The sum of the shares plus what AWS keeps unreserved. */
export function concurrencyNeeded(shares: Readonly<Record<string, number>>): number {
  return Object.values(shares).reduce((sum, value) => sum + value, UNRESERVED_MINIMUM);
}
