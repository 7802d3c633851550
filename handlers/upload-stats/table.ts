/** The upload-stats table's keys, shared by its stack, its store and the local table (no imports: the synth reads it). */
export const STATS_KEYS = { author: "author", item: "item" } as const;
/** The sort key of an author's totals; the marker of a counted upload is `upload#<key>#<sequencer>`. */
export const TOTALS_ITEM = "totals";
