/**
 * Runs the Terraform CLI non-interactively and turns its `-json` message stream into diagnostics the
 * pipeline can reason about (which address failed, and why), instead of scraping coloured text.
 */
import { spawn } from "child_process";
import { PipelineError } from "./errors";

export interface TerraformOptions {
  /** The Terraform binary. @default process.env.TERRAFORM_BINARY ?? "terraform" */
  readonly binary?: string;
  /** Extra environment for every command (e.g. TF_CLI_CONFIG_FILE, TF_PLUGIN_CACHE_DIR). @default {} */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Hard limit per command: Terraform gets SIGINT (it stops gracefully, releasing the state lock), then
   * SIGKILL 30 s later; the result has exit code 124 and says so on stderr. @default no limit
   */
  readonly timeoutMs?: number;
}

/** Exit code of a command stopped by `timeoutMs`, as timeout(1) reports it. */
export const TIMED_OUT = 124;

export interface TerraformResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail: string;
  /** The resource or data source the diagnostic is about, when Terraform knows it. */
  readonly address?: string;
  /** The configuration line Terraform quotes, when it quotes one. */
  readonly code?: string;
}

/** Variables that keep Terraform quiet and non-interactive in automation. */
const AUTOMATION_ENV = { TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };

/**
 * Go runtime settings for Terraform and the providers it starts (they inherit its environment), unless the
 * caller's environment sets them. Every plan, show and validate decodes the AWS provider's 13 MB schema, and with
 * Go's default collector (GOGC=100) about a quarter of a plan's CPU goes to garbage collection; GOGC=400 cuts
 * a plan's CPU by ~25 % for ~200 MB more per provider process (BENCHMARKS.md).
 */
export const GO_RUNTIME_ENV = { GOGC: "400" };

export function runTerraform(
  args: readonly string[],
  cwd: string,
  options: TerraformOptions = {},
): Promise<TerraformResult> {
  const binary = options.binary ?? process.env.TERRAFORM_BINARY ?? "terraform";
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      env: { ...GO_RUNTIME_ENV, ...process.env, ...AUTOMATION_ENV, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          child.kill("SIGINT");
          timers.push(setTimeout(() => child.kill("SIGKILL"), 30_000));
        }, options.timeoutMs),
      );
    }
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) =>
      reject(
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? new PipelineError(
              `Terraform binary "${binary}" not found: install Terraform >= 1.10 or set TERRAFORM_BINARY`,
            )
          : error,
      ),
    );
    child.on("close", (code) => {
      timers.forEach(clearTimeout);
      const stderr = Buffer.concat(err).toString("utf8");
      resolve({
        exitCode: timedOut ? TIMED_OUT : (code ?? 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: timedOut
          ? `terraform ${args[0]} timed out after ${Math.round(options.timeoutMs! / 1000)} s and was stopped\n${stderr}`
          : stderr,
      });
    });
  });
}

/** Diagnostics from a `-json` message stream (one JSON object per line); other lines are ignored. */
export function parseDiagnostics(jsonLines: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of jsonLines.split("\n")) {
    if (!line.startsWith("{")) continue;
    let message: { type?: string; diagnostic?: Partial<Diagnostic> & { snippet?: { code?: string } } };
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    const d = message.diagnostic;
    if (message.type !== "diagnostic" || !d) continue;
    diagnostics.push({
      severity: d.severity === "warning" ? "warning" : "error",
      summary: d.summary ?? "",
      detail: d.detail ?? "",
      address: d.address,
      code: d.snippet?.code,
    });
  }
  return diagnostics;
}

/** One readable paragraph per error diagnostic, falling back to stderr when Terraform printed no JSON. */
export function describeErrors(result: TerraformResult): string {
  const errors = parseDiagnostics(result.stdout).filter((d) => d.severity === "error");
  if (result.exitCode === TIMED_OUT) return result.stderr.split("\n")[0];
  if (errors.length === 0)
    return (result.stderr || result.stdout).trim() || `terraform exited with ${result.exitCode}`;
  return errors
    .map((d) => `${d.summary}${d.address ? ` (${d.address})` : ""}${d.detail ? `: ${d.detail}` : ""}`)
    .join("\n");
}
