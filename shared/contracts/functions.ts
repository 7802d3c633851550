/**
 * The app's functions, declared once: memory, timeout, the variables that are the same wherever the function runs,
 * and the tables it uses (the variable naming each and the actions it may take). The stacks, `npm run dev`, the tests
 * and the benchmarks set them from here: a stack binds each table (variable and grant together), elsewhere the
 * variable names the local table. Keyed by handler directory under `handlers/`; lib/function-environment.ts checks
 * that every handler has an entry and that each variable is one its schema reads.
 */
import { MAX_UPLOAD_BYTES, UPLOAD_IMAGE_TYPES } from "./limits";
import type { TableName } from "./tables";

/** What a function may do on a table: `dynamodb:<action>`. */
export type TableAction =
  | "GetItem"
  | "BatchGetItem"
  | "Query"
  | "Scan"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "BatchWriteItem"
  | "ConditionCheckItem";

/** A table a function uses, named by a variable: the stacks grant exactly these actions on it. */
export interface TableBinding {
  readonly table: TableName;
  readonly actions: readonly TableAction[];
}

export interface FunctionContract {
  /** Megabytes. */
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  /** Variables with the same value in every environment (`{}`: none). */
  readonly environment: Readonly<Record<string, string>>;
  /** The tables it uses, by the variable naming each (`{}`: none). */
  readonly tables: Readonly<Record<string, TableBinding>>;
}

export const FUNCTIONS = {
  api: {
    memorySize: 512,
    timeout: 10,
    environment: {
      MEDIA_BASE_URL: "/media",
      UPLOAD_MAX_BYTES: String(MAX_UPLOAD_BYTES),
      // jimp decodes JPEG and PNG in the bundle; WebP would need a separate WebAssembly file.
      UPLOAD_CONTENT_TYPES: Object.keys(UPLOAD_IMAGE_TYPES).join(","),
    },
    tables: {
      SUBSCRIBERS_TABLE: { table: "subscribers", actions: ["PutItem"] },
      COUNTERS_TABLE: {
        table: "counters",
        actions: ["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"],
      },
      PHOTOS_TABLE: { table: "photos", actions: ["BatchGetItem", "PutItem"] },
    },
  },
  migrate: { memorySize: 256, timeout: 300, environment: {}, tables: {} },
  thumbnail: {
    memorySize: 2048,
    timeout: 60,
    environment: {
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      MAX_MEGAPIXELS: "40",
      THUMBNAIL_WIDTHS: "400,1200",
    },
    tables: { PHOTOS_TABLE: { table: "photos", actions: ["UpdateItem"] } },
  },
  "upload-stats": {
    memorySize: 256,
    timeout: 30,
    environment: {},
    tables: {
      // The marker put is conditional; a failed totals update deletes it again (handlers/upload-stats).
      UPLOAD_STATS_TABLE: { table: "upload-stats", actions: ["PutItem", "UpdateItem", "DeleteItem"] },
    },
  },
  "welcome-email": {
    memorySize: 256,
    timeout: 30,
    environment: {},
    tables: {
      // Reads the subscriber consistently, then marks it welcomed with a conditional write.
      SUBSCRIBERS_TABLE: { table: "subscribers", actions: ["GetItem", "UpdateItem"] },
      IDEMPOTENCY_TABLE: {
        table: "idempotency",
        actions: ["GetItem", "PutItem", "UpdateItem", "DeleteItem"],
      },
    },
  },
  "mail-feedback": {
    memorySize: 256,
    timeout: 30,
    environment: {},
    // Sets one attribute with if_not_exists: no reads, no deletes.
    tables: { SUBSCRIBERS_TABLE: { table: "subscribers", actions: ["UpdateItem"] } },
  },
  /** CodeDeploy's pre-traffic hook of the API. */
  "release-hook": { memorySize: 256, timeout: 30, environment: {}, tables: {} },
} as const satisfies Readonly<Record<string, FunctionContract>>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The variables naming function `F`'s tables. */
export type TableVariable<F extends FunctionName> = keyof (typeof FUNCTIONS)[F]["tables"] & string;

/** The tables function `F` uses. */
export type TableOfFunction<F extends FunctionName> = {
  [V in TableVariable<F>]: (typeof FUNCTIONS)[F]["tables"][V] extends {
    readonly table: infer T extends TableName;
  }
    ? T
    : never;
}[TableVariable<F>];

/**
 * Function `F`'s table variables, each set to what `bind` makes of its binding: the table's name where it runs (the
 * local DynamoDB's, a placeholder), or in a stack the binding that grants its actions too.
 */
export function tableVariables<F extends FunctionName, V>(
  fn: F,
  bind: (binding: TableBinding & { readonly table: TableOfFunction<F> }) => V,
): { readonly [K in TableVariable<F>]: V } {
  const tables: Readonly<Record<string, TableBinding>> = FUNCTIONS[fn].tables;
  return Object.fromEntries(
    Object.entries(tables).map(([variable, binding]) => [
      variable,
      bind(binding as TableBinding & { readonly table: TableOfFunction<F> }),
    ]),
  ) as { readonly [K in TableVariable<F>]: V };
}

/** The tables function `F` uses, each once, in the order of its variables. */
export function tablesOfFunction<F extends FunctionName>(fn: F): TableOfFunction<F>[] {
  const tables: Readonly<Record<string, TableBinding>> = FUNCTIONS[fn].tables;
  return [...new Set(Object.values(tables).map(({ table }) => table))] as TableOfFunction<F>[];
}

/** Where function `F` runs: the name of each of its tables, read from the variables that name them. */
export function tableNamesFrom<F extends FunctionName>(
  fn: F,
  env: { readonly [V in TableVariable<F>]: string },
): { readonly [T in TableOfFunction<F>]: string } {
  const tables: Readonly<Record<string, TableBinding>> = FUNCTIONS[fn].tables;
  const names: Readonly<Record<string, string>> = env;
  return Object.fromEntries(
    Object.entries(tables).map(([variable, { table }]) => [table, names[variable]]),
  ) as { readonly [T in TableOfFunction<F>]: string };
}
