/** What the pipeline CLIs share: argument parsing, and turning typed errors into a message and exit code 1. */
import * as path from "path";
import { parseArgs, type ParseArgsConfig } from "util";
import { parseWholeNumber } from "../shared/whole-number";
import { PipelineError, UsageError } from "./errors";

export const DEFAULT_OUTDIR = "cdktf.out";

export function parseCli<T extends NonNullable<ParseArgsConfig["options"]>>(options: T, usage: string) {
  try {
    return parseArgs({ args: process.argv.slice(2), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nUsage: ${usage}`);
  }
}

/** `--max-length`: the markdown's upper bound; GitHub comments hold at most 65,536 characters. */
export function parseMaxLength(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return parseWholeNumber(
    "--max-length",
    value,
    { min: 1000, max: 65_536 },
    (message) => new UsageError(message),
  );
}

/** `--stack-timeout <seconds>`: the hard limit for each Terraform command of a stack against the emulator. */
export function parseStackTimeoutMs(value: string | undefined, usage: string): number {
  const seconds = parseWholeNumber(
    "--stack-timeout (seconds)",
    value ?? "900",
    { min: 30 },
    (message) => new UsageError(`${message}\nUsage: ${usage}`),
  );
  return seconds * 1000;
}

/** The stack glob of one environment (`myblog-dev-*`), from the stack names of a synth output. */
export function environmentGlob(stackNames: readonly string[], env: string, outdir: string): string {
  const suffix = `-${env}-`;
  const match = stackNames.find((n) => n.includes(suffix));
  if (!match)
    throw new UsageError(`No stack of environment "${env}" in ${outdir}. Stacks: ${stackNames.join(", ")}`);
  return `${match.slice(0, match.indexOf(suffix))}${suffix}*`;
}

export const resolveOutdir = (value: string | undefined) =>
  path.resolve(value ?? process.env.CDKTF_OUTDIR ?? DEFAULT_OUTDIR);

/** Runs a CLI body; known errors print their message only, unknown ones their stack too. */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof PipelineError ? `error: ${error.message}` : error);
      process.exitCode = 1;
    },
  );
}
