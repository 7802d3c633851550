/**
 * The base of a change-scoped plan: a commit synthesized in a throwaway git worktree of this repository (with
 * this checkout's node_modules: a changed package-lock.json plans every stack anyway), its output written with the
 * synth inputs it was made from (change-scope.ts), so that `npm run plan -- --base-ref <commit>` compares like
 * with like. The worktree is removed afterwards.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthInputsOf, writeSynthInputs } from "./change-scope";
import { PipelineError } from "./errors";

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new PipelineError(
      `${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim()}`,
    );
  return result.stdout.trim();
}

/** `terraform version` of this machine, as the synth inputs record it. */
export function terraformVersion(binary = process.env.TERRAFORM_BINARY ?? "terraform"): string {
  const out = spawnSync(binary, ["version", "-json"], { encoding: "utf8" });
  try {
    return (JSON.parse(out.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return "unknown";
  }
}

export interface BaseSynth {
  /** The synth output of the base commit. */
  readonly outdir: string;
  /** `<short sha>` for the summary. */
  readonly label: string;
}

/**
 * Synthesizes `ref` of the repository at `projectRoot` into `target` (emptied first).
 * @throws PipelineError when the ref is unknown or its synth fails
 */
export function synthesizeRef(projectRoot: string, ref: string, target: string): BaseSynth {
  const sha = run("git", ["rev-parse", "--verify", `${ref}^{commit}`], projectRoot);
  const worktree = fs.mkdtempSync(path.join(os.tmpdir(), "base-synth-"));
  fs.rmSync(worktree, { recursive: true });
  run("git", ["worktree", "add", "--detach", worktree, sha], projectRoot);
  try {
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(worktree, "node_modules"), "dir");
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    run("npx", ["cdktf", "synth", "--output", target], worktree);
    writeSynthInputs(target, synthInputsOf(worktree, terraformVersion()));
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", worktree], { cwd: projectRoot });
  }
  return { outdir: target, label: sha.slice(0, 7) };
}
