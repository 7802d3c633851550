/** The release-hook function's environment, read once at cold start. */
import * as z from "zod/mini";
import { commonEnv } from "../shared/env";
import { readEventEnv, type Env } from "../../shared/env-reader";

const schema = z.object({
  ...commonEnv,
  /** The function whose new version the hook smoke-tests (the API); a deployment of another one fails. */
  TARGET_FUNCTION_NAME: z.string(),
});

/** The variables as set (text), for the stacks to be checked against. */
export type ReleaseHookEnv = z.input<typeof schema>;
export type ReleaseHookConfig = z.output<typeof schema>;

export function loadReleaseHookConfig(env: Env): ReleaseHookConfig {
  return readEventEnv("release-hook function", schema, env);
}
