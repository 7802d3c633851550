/**
 * Checkov in `npm run check`: locate it, run it once over every stack, judge its results against the
 * suppressions in code. `SKIP_CHECKOV=1` switches it off (the pack still runs; Checkov-only suppressions are
 * then reported as unverified).
 */
import type { Model } from "../model";
import { judgeCheckov, type CheckovReport } from "./judge";
import { locateCheckov } from "./locate";
import { runCheckov } from "./run";

export const SKIP_CHECKOV_ENV = "SKIP_CHECKOV";

export function checkovSwitchedOff(env: NodeJS.ProcessEnv): boolean {
  return ["1", "true", "yes"].includes((env[SKIP_CHECKOV_ENV] ?? "").toLowerCase());
}

/**
 * @param outdir the synth output directory (Checkov runs there, on the stack files the manifest lists)
 * @param root the project root, where `.venv/` lives
 * @throws CheckovNotFoundError, CheckovRunError
 */
export function scanWithCheckov(
  model: Model,
  outdir: string,
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): CheckovReport {
  const binary = locateCheckov(root, env);
  const run = runCheckov(
    binary,
    model.stacks.map((s) => s.relativeFile),
    outdir,
    env,
  );
  return judgeCheckov(run, model);
}
