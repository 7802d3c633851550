/**
 * npm run rehearse:workflows [-- --only <workflow.yml>…] [--worktree] [--skip-step <regex>]
 *
 * Rehearses the GitHub workflows' first run on this machine: the pull request, the push to main that deploys it,
 * a manual deploy of the first environment and the scheduled drift check, in that order, every job in a fresh
 * Debian root made as its container is (root.ts), every step as GitHub runs it or through its stand-in
 * (stand-ins.ts). Needs root, debootstrap, the npm registry and Debian's mirror (the base root is cached in
 * BLOG_REHEARSAL_CACHE, default /var/cache/myblog-rehearsal), Terraform, the AWS provider mirror and moto.
 * Exit code 0 when every job that GitHub would run succeeds; the report is in .build/rehearsal/report.json.
 *
 * --only: these workflow files; --worktree: check out the working tree's tracked changes instead of HEAD;
 * --skip-step: leave out steps whose label matches (for iterating; the report says the run was partial).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { request } from "https";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { lambdaNodeMajor } from "../bench/lambda-node";
import { loadConfig } from "../config/load";
import { PROJECT_ROOT } from "../lib/paths";
import { startMoto } from "../local/moto";
import { providerInstallation } from "../pipeline/provider-installation";
import type { Value } from "./expressions";
import type { JobRecord, WorkflowRunState } from "./job-state";
import { baseRoot, stopRunningSteps, type Bind } from "./root";
import { WorkflowRunner, type RunnerSettings } from "./runner";
import { parseWorkflow } from "./workflow";

const REPOSITORY = "rehearsal/myblog-infra";
/** Host settings a root needs to reach the registries as this machine does (TLS trust, proxies). */
const HOST_NETWORK_ENV = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "PIP_CERT",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

interface EventRun {
  readonly file: string;
  readonly event: string;
  readonly payload: Record<string, Value>;
  readonly ref: string;
  readonly inputs?: Record<string, Value>;
}

function git(args: string[]): string {
  const r = spawnSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function motoReset(endpoint: string): Promise<void> {
  const url = new URL("/moto-api/reset", endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () =>
        (res.statusCode ?? 500) < 400 ? resolve() : reject(new Error(`moto reset: ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function render(records: readonly JobRecord[], seconds: number, partial: string | undefined): string {
  const lines = ["| workflow run | job | result | s |", "|---|---|---|---|"];
  for (const r of records)
    lines.push(
      `| ${r.run} | ${r.job} | ${r.result}${r.note ? ` (${r.note})` : ""} | ${r.seconds.toFixed(0)} |`,
    );
  // One line per step, with the jobs it stood in for and the first job's note (the others differ in names only).
  const notRun = new Map<string, { jobs: string[]; note: string }>();
  for (const r of records)
    for (const s of r.steps.filter((x) => x.how === "stand-in" || x.how === "skipped")) {
      const key = `${s.how === "skipped" ? "not run" : "stand-in"}: ${s.label.replace(/ of \S+$/, "")}`;
      const entry = notRun.get(key) ?? { jobs: [], note: s.note ?? "" };
      entry.jobs.push(r.job);
      notRun.set(key, entry);
    }
  lines.push("", "Steps replaced by their effect or not run:");
  for (const [key, { jobs, note }] of notRun)
    lines.push(`- ${key} (${jobs.length === 1 ? jobs[0] : `${jobs.length} jobs`}) — ${note}`);
  lines.push("", `rehearsal wall time: ${seconds.toFixed(0)} s${partial ? ` (partial: ${partial})` : ""}`);
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      worktree: { type: "boolean", default: false },
      "skip-step": { type: "string" },
    },
  });
  const started = Date.now();
  const log = (line: string) => console.log(line);
  if (process.getuid?.() !== 0) throw new Error("the rehearsal needs root (debootstrap, chroot, mounts)");
  if (spawnSync("debootstrap", ["--version"]).error)
    throw new Error("debootstrap is missing: apt-get install -y debootstrap");

  const cacheDir = process.env.BLOG_REHEARSAL_CACHE || "/var/cache/myblog-rehearsal";
  const runDir = path.join(PROJECT_ROOT, ".build", "rehearsal");
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const jobsDir = path.join(cacheDir, "jobs", String(process.pid));

  const major = lambdaNodeMajor();
  const base = baseRoot(cacheDir, major, log);
  log(
    `base root: bookworm + buildpack-deps + Node.js ${base.nodeVersion} (npm ${base.npmVersion}), ` +
      (base.built ? `built in ${base.seconds.toFixed(0)} s` : "from the cache") +
      ` (${base.dir})`,
  );

  let sha = git(["rev-parse", "HEAD"]);
  let fetchRef: string | undefined;
  if (values.worktree) {
    const snapshot = git(["stash", "create"]);
    if (snapshot) {
      sha = snapshot;
      fetchRef = "refs/rehearsal/worktree";
      git(["update-ref", fetchRef, sha]);
      log(`checking out the working tree's tracked changes (${sha.slice(0, 12)}), not HEAD`);
    }
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-"));
  const mirror = providerInstallation(scratch).mirrorRoot;
  fs.rmSync(scratch, { recursive: true, force: true });
  const binds: Bind[] = [
    { host: "/etc/resolv.conf", root: "/etc/resolv.conf" },
    { host: "/etc/hosts", root: "/etc/hosts" },
    // Debian packages downloaded once per machine; apt still installs them in every job that asks.
    { host: path.join(cacheDir, "apt-archives"), root: "/var/cache/apt/archives", writable: true },
  ];
  fs.mkdirSync(path.join(cacheDir, "apt-archives", "partial"), { recursive: true });
  // The host's trust settings reach the roots through their own files (the root's /etc/ssl stays its own, for
  // the packages a job installs); a setting naming a directory of the host is left out.
  const hostEnv: Record<string, string> = {};
  for (const name of HOST_NETWORK_ENV) {
    const value = process.env[name];
    if (!value) continue;
    if (!value.startsWith("/")) hostEnv[name] = value;
    else if (fs.existsSync(value) && fs.statSync(value).isFile()) {
      const inRoot = path.posix.join("/opt/rehearsal-host", name);
      binds.push({ host: value, root: inRoot });
      hostEnv[name] = inRoot;
    }
  }
  if (mirror) {
    // Terraform's implied mirror directory: `terraform init` takes the provider from there, as from the registry.
    binds.push({ host: mirror, root: "/usr/share/terraform/plugins" });
    log(`the registry's AWS provider: this machine's mirror ${mirror} at /usr/share/terraform/plugins`);
  } else log("no AWS provider mirror on this machine: Terraform in the roots tries the registry");

  const config = loadConfig({ root: PROJECT_ROOT }).config;
  const environments = loadConfig({ root: PROJECT_ROOT }).environments;
  // Repository and environment variables as the README's table asks a team to set them (roles are placeholders).
  const vars = {
    AWS_REGION: config.region,
    AWS_PLAN_ROLE_ARN: "arn:aws:iam::123456789012:role/myblog-ci-plan",
    AWS_DEPLOY_ROLE_ARN: "arn:aws:iam::123456789012:role/myblog-ci-deploy",
  };

  const moto = await startMoto({ logFile: path.join(runDir, "moto.log") });
  const stop = (signal: NodeJS.Signals) => {
    console.error(`rehearsal: ${signal}, stopping the running step and the emulator`);
    stopRunningSteps();
    void moto.stop().finally(() => {
      fs.rmSync(jobsDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const artifacts = new Map<string, string>();
  const settings: RunnerSettings = {
    repoRoot: PROJECT_ROOT,
    sha,
    fetchRef,
    nodeMajor: major,
    terraformBinary: spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim(),
    npmCacheDir: path.join(cacheDir, "npm-cache"),
    artifactsOf: (file) => artifacts.get(file),
    aws: { endpoint: moto.endpoint, reset: () => motoReset(moto.endpoint) },
    base: base.dir,
    jobsDir,
    vars,
    binds,
    hostEnv,
    log,
    npmCiSnapshots: new Map(),
  };

  const pr = {
    number: 1,
    head: { sha, ref: "rehearsal", repo: { full_name: REPOSITORY } },
    // The pull request's base: the commit before the one rehearsed, so the plan job plans where the change lands.
    base: { ref: "main", sha: git(["rev-parse", `${sha}^`]) },
  };
  const all: EventRun[] = [
    {
      file: "pull-request.yml",
      event: "pull_request",
      payload: { pull_request: pr },
      ref: "refs/pull/1/merge",
    },
    { file: "deploy.yml", event: "push", payload: { ref: "refs/heads/main" }, ref: "refs/heads/main" },
    {
      file: "deploy.yml",
      event: "workflow_dispatch",
      payload: { inputs: { environment: environments[0] } },
      ref: "refs/heads/main",
      inputs: { environment: environments[0] },
    },
    { file: "drift.yml", event: "schedule", payload: { schedule: "17 5 * * 1-5" }, ref: "refs/heads/main" },
  ];
  const runs = all.filter((r) => !values.only || values.only.includes(r.file));

  const records: JobRecord[] = [];
  const skip = values["skip-step"] ? new RegExp(values["skip-step"]) : undefined;
  try {
    for (const [index, spec] of runs.entries()) {
      const text = git(["show", `${sha}:.github/workflows/${spec.file}`]);
      const workflow = parseWorkflow(spec.file, text);
      const filtered = skip
        ? {
            ...workflow,
            jobs: workflow.jobs.map((j) => ({
              ...j,
              steps: j.steps.filter((s) => !skip.test(s.name ?? s.run ?? s.uses ?? "")),
            })),
          }
        : workflow;
      const run: WorkflowRunState = {
        label: `${workflow.name} (${spec.event})`,
        event: spec.event,
        github: {
          event_name: spec.event,
          event: spec.payload,
          repository: REPOSITORY,
          repository_owner: REPOSITORY.split("/")[0],
          sha,
          ref: spec.ref,
          run_id: String(1000 + index),
          token: "rehearsal-token",
          server_url: "https://github.com",
        },
        inputs: spec.inputs ?? {},
        artifactsDir: path.join(
          runDir,
          `${index + 1}-${spec.file.replace(/\.yml$/, "")}-${spec.event}`,
          "artifacts",
        ),
        needs: {},
      };
      fs.mkdirSync(run.artifactsDir, { recursive: true });
      records.push(...(await new WorkflowRunner(settings, filtered, run).runAll()));
      artifacts.set(spec.file, run.artifactsDir);
    }
  } finally {
    await moto.stop();
    fs.rmSync(jobsDir, { recursive: true, force: true });
    if (fetchRef) git(["update-ref", "-d", fetchRef]);
  }
  const seconds = (Date.now() - started) / 1000;
  const partial = [values.only && `only ${values.only.join(", ")}`, skip && `steps matching ${skip} left out`]
    .filter(Boolean)
    .join("; ");
  const report = render(records, seconds, partial || undefined);
  fs.writeFileSync(
    path.join(runDir, "report.json"),
    `${JSON.stringify({ seconds, partial, records }, null, 2)}\n`,
  );
  console.log(`\n${report}`);
  const failed = records.filter((r) => r.result === "failure" || r.result === "cancelled");
  if (failed.length > 0) {
    console.error(
      `rehearsal: ${failed.length} job(s) failed: ${failed.map((r) => `${r.run} / ${r.job}`).join(", ")}`,
    );
    return 1;
  }
  console.log("rehearsal: every job passed");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`rehearsal: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
