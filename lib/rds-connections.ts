/**
 * How many connections an RDS PostgreSQL instance class accepts by default, and where the connections alarm pages.
 * One definition: the config check (config/schema.ts) and the data stack's alarm both read it.
 */

/** Nominal memory (GiB) of the instance classes this project is sized for; others need an explicit threshold. */
const MEMORY_GIB: Readonly<Record<string, number>> = (() => {
  const sizes: Record<string, Record<string, number>> = {
    // Burstable: micro 1 GiB up to 2xlarge 32 GiB.
    t: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 },
    // General purpose: 4 GiB per vCPU.
    m: { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64 },
    // Memory optimized: 8 GiB per vCPU.
    r: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128 },
  };
  const families: Record<string, string[]> = {
    t: ["t3", "t4g"],
    m: ["m5", "m6g", "m6i", "m7g", "m7i"],
    r: ["r5", "r6g", "r6i", "r7g", "r7i"],
  };
  const table: Record<string, number> = {};
  for (const [kind, names] of Object.entries(families))
    for (const family of names)
      for (const [size, gib] of Object.entries(sizes[kind])) table[`db.${family}.${size}`] = gib;
  return table;
})();

/** The instance classes `defaultMaxConnections` knows, sorted. */
export const KNOWN_INSTANCE_CLASSES: readonly string[] = Object.keys(MEMORY_GIB).sort();

/**
 * RDS PostgreSQL's default `max_connections`, LEAST(DBInstanceClassMemory/9531392, 5000), on the class's nominal
 * memory; undefined for a class not in the table.
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
  const gib = MEMORY_GIB[instanceClass];
  return gib === undefined ? undefined : Math.min(Math.floor((gib * 1024 ** 3) / 9531392), 5000);
}

/**
 * DBInstanceClassMemory is the nominal memory minus what RDS keeps for the OS and its own processes, so the real
 * limit is somewhat below the nominal figure: paging at 70% of it leaves room to act before connections fail.
 */
export const CONNECTIONS_ALARM_SHARE = 0.7;

/** The DatabaseConnections threshold of one environment: the configured one, else 70% of the class's default. */
export function connectionsAlarmThreshold(database: {
  readonly instanceClass: string;
  readonly connectionsAlarmThreshold?: number;
}): number {
  if (database.connectionsAlarmThreshold !== undefined) return database.connectionsAlarmThreshold;
  const max = defaultMaxConnections(database.instanceClass);
  if (max === undefined) throw new Error(unknownClassMessage(database.instanceClass));
  return Math.floor(max * CONNECTIONS_ALARM_SHARE);
}

export function unknownClassMessage(instanceClass: string): string {
  const families = [...new Set(KNOWN_INSTANCE_CLASSES.map((c) => c.split(".")[1]))].join(", ");
  return (
    `${instanceClass} has no known default max_connections for the connections alarm: set ` +
    `database.connectionsAlarmThreshold (connections), or use a class of ${families} (micro…4xlarge)`
  );
}
