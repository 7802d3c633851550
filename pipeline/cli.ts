/** What the pipeline CLIs share: argument parsing, and turning typed errors into a message and exit code 1. */
import * as path from "path";
import { parseArgs, type ParseArgsConfig } from "util";
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
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 65_536) {
    throw new UsageError(`--max-length must be an integer from 1000 to 65536, got "${value}"`);
  }
  return n;
}

/** `--stack-timeout <seconds>`: the hard limit for each Terraform command of a stack against the emulator. */
export function parseStackTimeoutMs(value: string | undefined, usage: string): number {
  const seconds = Number(value ?? 900);
  if (!Number.isInteger(seconds) || seconds < 30)
    throw new UsageError(`--stack-timeout must be a whole number of seconds ≥ 30\nUsage: ${usage}`);
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
