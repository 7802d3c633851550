/**
 * The upload-stats table's keys. Its contract (shared/contracts/tables.ts) declares them; the literal stays here so
 * that the bundle is unchanged, and the compiler refuses it when it differs from the contract.
 */
import type { TABLES } from "../../shared/contracts/tables";

type Declared = (typeof TABLES)["upload-stats"];
export const STATS_KEYS = { author: "author", item: "item" } as const satisfies {
  readonly author: Declared["hashKey"];
  readonly item: Declared["rangeKey"];
};
/** The sort key of an author's totals; the marker of a counted upload is `upload#<key>#<sequencer>`. */
export const TOTALS_ITEM = "totals";
