/**
 * The app's DynamoDB tables, declared once: keys, stream and TTL. The stacks create them from this (lib/table.ts's
 * `appTable`), the local DynamoDB of the tests and `npm run dev` creates the same keys (local/aws-local.ts), and the
 * handlers read their key names from it. Plain data, no imports: handler bundles and the browser bundle may load it.
 */

/** What a table looks like to its readers; every key is a string attribute. */
export interface TableContract {
  /** The layer that creates it (`<app>-<env>-<layer>`); its readers in other layers get it through outputs. */
  readonly layer: "data" | "events";
  /** Partition key attribute. */
  readonly hashKey: string;
  /** Sort key attribute. @default none */
  readonly rangeKey?: string;
  /** Stream of new images, for a consumer function. @default none */
  readonly stream?: boolean;
  /** Attribute holding an expiry time in epoch seconds. @default no TTL */
  readonly ttlAttribute?: string;
}

// The order is the order each layer declares its tables in (the synthesized JSON follows it).
export const TABLES = {
  /** Readers who subscribed; the stream feeds the welcome e-mail. */
  subscribers: { layer: "data", hashKey: "email", stream: true },
  /** Likes and view counters: atomic counters per post (`pk`) and kind (`sk`). */
  counters: { layer: "data", hashKey: "pk", rangeKey: "sk" },
  /** Each upload's photo status and thumbnails, by upload key. */
  photos: { layer: "data", hashKey: "key" },
  /** Powertools' idempotency records of the welcome e-mail; they expire. */
  idempotency: { layer: "data", hashKey: "id", ttlAttribute: "expiration" },
  /** Per-author upload statistics: one marker per upload and the author's totals. */
  "upload-stats": { layer: "events", hashKey: "author", rangeKey: "item" },
} as const satisfies Readonly<Record<string, TableContract>>;

/** The name of a declared table: `Record<TableName, …>` has exactly one entry per table. */
export type TableName = keyof typeof TABLES;

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** The tables layer `L` creates. */
export type TableOf<L extends TableContract["layer"]> = {
  [N in TableName]: (typeof TABLES)[N]["layer"] extends L ? N : never;
}[TableName];

/** The tables a layer creates, in declaration order. */
export const tablesOf = <L extends TableContract["layer"]>(layer: L): TableOf<L>[] =>
  TABLE_NAMES.filter((name): name is TableOf<L> => TABLES[name].layer === layer);
