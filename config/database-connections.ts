/**
 * Whether an environment's PostgreSQL takes the connections its API can open: reserved concurrency × the API's pool
 * size against the RDS Proxy's share of `max_connections` (database.proxy) or against `max_connections` less the
 * headroom kept for the migration function and operators. The data stack sizes the proxy from the same constants.
 */
import { API_DB_POOL_SIZE } from "../shared/contracts/limits";

/**
 * The proxy's share of the instance's `max_connections` (its default target group's `max_connections_percent`);
 * the rest stays for the migration function, which connects directly as the master user, and for operators.
 */
export const PROXY_MAX_CONNECTIONS_PERCENT = 90;

/** Connections kept free of the API when it connects directly, each with its reason. */
export const DIRECT_HEADROOM = {
  /** PostgreSQL's `superuser_reserved_connections` default: slots the API role can never take. */
  superuserReserved: 3,
  /** The migration function: one client, reserved concurrency 1 (config/concurrency.ts). */
  migration: 1,
  /** psql sessions of operators and incident tooling. */
  operators: 4,
} as const;

const GIB = 1024 ** 3;

/** vCPUs by size, for the families whose memory is a fixed number of GiB per vCPU. */
const VCPUS: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  "2xlarge": 8,
  "4xlarge": 16,
  "8xlarge": 32,
  "12xlarge": 48,
  "16xlarge": 64,
};
const GIB_PER_VCPU: Readonly<Record<string, number>> = {
  m5: 4,
  m6g: 4,
  m6i: 4,
  m7g: 4,
  m7i: 4,
  r5: 8,
  r6g: 8,
  r6i: 8,
  r7g: 8,
  r7i: 8,
};
/** Burstable classes, by size (GiB). */
const BURSTABLE_GIB: Readonly<Record<string, number>> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  "2xlarge": 32,
};
const BURSTABLE = ["t3", "t4g"];

/** The instance classes the check knows, for messages. */
export const KNOWN_CLASS_FAMILIES = [...BURSTABLE, ...Object.keys(GIB_PER_VCPU)];

/** Nominal memory of an RDS instance class in bytes (AWS's instance class tables); undefined when not listed. */
export function instanceMemoryBytes(instanceClass: string): number | undefined {
  const [, family, size] = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass) ?? [];
  if (family === undefined || size === undefined) return undefined;
  if (BURSTABLE.includes(family))
    return BURSTABLE_GIB[size] === undefined ? undefined : BURSTABLE_GIB[size] * GIB;
  const perVcpu = GIB_PER_VCPU[family];
  const vcpus = VCPUS[size];
  return perVcpu === undefined || vcpus === undefined ? undefined : perVcpu * vcpus * GIB;
}

/**
 * RDS for PostgreSQL's default `max_connections`, `LEAST(DBInstanceClassMemory/9531392, 5000)`, from the nominal
 * memory. RDS's DBInstanceClassMemory is somewhat lower (memory for the OS and RDS's agents is taken out), so this
 * is an upper bound, which the proxy's percentage and the direct headroom keep away from.
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
  const memory = instanceMemoryBytes(instanceClass);
  return memory === undefined ? undefined : Math.min(Math.floor(memory / 9531392), 5000);
}

export interface ConnectionBudget {
  /** Connections the API may hold at once. */
  readonly connections: number;
  /** How the budget was reached, for the message. */
  readonly explanation: string;
}

/** What the API may open: the proxy's share with the proxy, `max_connections` less the headroom without it. */
export function apiConnectionBudget(instanceClass: string, proxy: boolean): ConnectionBudget | undefined {
  const max = defaultMaxConnections(instanceClass);
  if (max === undefined) return undefined;
  if (proxy) {
    return {
      connections: Math.floor((max * PROXY_MAX_CONNECTIONS_PERCENT) / 100),
      explanation: `the RDS Proxy's ${PROXY_MAX_CONNECTIONS_PERCENT}% of max_connections ${max} of ${instanceClass}`,
    };
  }
  const headroom = Object.values(DIRECT_HEADROOM).reduce((sum, n) => sum + n, 0);
  return {
    connections: max - headroom,
    explanation:
      `max_connections ${max} of ${instanceClass} less ${headroom} kept for superusers, ` +
      "the migration function and operators",
  };
}

export interface ConnectionProblem {
  /** Key under the environment, e.g. `["api", "reservedConcurrency"]`. */
  readonly path: readonly string[];
  readonly message: string;
}

/**
 * The rule, on possibly invalid input: judges only values of the right type.
 * @returns the problem, or undefined when the connections fit (or the values cannot be judged)
 */
export function connectionProblem(
  database: Readonly<Record<string, unknown>>,
  api: Readonly<Record<string, unknown>>,
): ConnectionProblem | undefined {
  const { instanceClass, proxy } = database;
  const { reservedConcurrency } = api;
  if (typeof instanceClass !== "string" || !/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceClass))
    return undefined;
  const budget = apiConnectionBudget(instanceClass, proxy === true);
  if (budget === undefined) {
    return {
      path: ["database", "instanceClass"],
      message:
        `is not a class whose memory the connection check knows (families ${KNOWN_CLASS_FAMILIES.join(", ")}, ` +
        "sizes micro to 16xlarge; config/database-connections.ts): choose one of them or add it to that table",
    };
  }
  if (typeof reservedConcurrency !== "number" || !Number.isInteger(reservedConcurrency)) return undefined;
  const needed = reservedConcurrency * API_DB_POOL_SIZE;
  if (needed <= budget.connections) return undefined;
  const most = Math.floor(budget.connections / API_DB_POOL_SIZE);
  return {
    path: ["api", "reservedConcurrency"],
    message:
      `${reservedConcurrency} concurrent API functions × ${API_DB_POOL_SIZE} PostgreSQL connections each = ${needed} ` +
      `exceed the ${budget.connections} connections of ${budget.explanation}: ` +
      `lower it to at most ${most} or choose a larger database.instanceClass`,
  };
}

/**
 * DBInstanceClassMemory is the nominal memory minus what RDS keeps for the OS and its own processes, so the real
 * limit is somewhat below `defaultMaxConnections`: paging at 70% of it leaves room to act before connections fail.
 */
export const CONNECTIONS_ALARM_SHARE = 0.7;

/** The DatabaseConnections alarm threshold: the configured one, else 70% of the class's default max_connections. */
export function connectionsAlarmThreshold(database: {
  readonly instanceClass: string;
  readonly connectionsAlarmThreshold?: number;
}): number {
  if (database.connectionsAlarmThreshold !== undefined) return database.connectionsAlarmThreshold;
  const max = defaultMaxConnections(database.instanceClass);
  // The configuration check refuses a class the table does not know (connectionProblem), so this cannot happen.
  if (max === undefined) throw new Error(`${database.instanceClass}: no known default max_connections`);
  return Math.floor(max * CONNECTIONS_ALARM_SHARE);
}
