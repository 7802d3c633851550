/** The upload-stats function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv } from "../shared/env";
import { readEventEnv, type Env } from "../../shared/env-reader";

const schema = z.object({
  ...commonEnv,
  UPLOAD_STATS_TABLE: z.string(),
});

/** The variables as set (text), for the stacks and local environments to be checked against. */
export type UploadStatsEnv = z.input<typeof schema>;
export type UploadStatsConfig = z.output<typeof schema>;

export function loadUploadStatsConfig(env: Env): UploadStatsConfig {
  return readEventEnv("upload-stats function", schema, env);
}
