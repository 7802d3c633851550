/**
 * Static checks of the CI workflows (no GitHub runner here): actions pinned to commit SHAs, no Terraform
 * telemetry, every npm script and pipeline CLI they call exists, least-privilege permissions, nothing applied
 * that nobody reviewed, and the deploy/drift/comment mechanics the documentation promises.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const DIR = path.join(ROOT, ".github", "workflows");
const workflows = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const read = (name: string) => fs.readFileSync(path.join(DIR, name), "utf8");
const scripts = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: object }).scripts,
);

test("there are the pull-request, deploy and drift workflows", () => {
  expect(workflows.sort()).toEqual(["deploy.yml", "drift.yml", "pull-request.yml"]);
});

test.each(workflows)("%s pins every action to a full commit SHA, with its version in a comment", (name) => {
  const uses = [...read(name).matchAll(/^\s*(?:- )?uses:\s*(.*)$/gm)].map((m) => m[1]);
  expect(uses.length).toBeGreaterThan(0);
  for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
});

test.each(workflows)("%s turns off Terraform's checkpoint (telemetry) calls for every job", (name) => {
  expect(read(name)).toMatch(/^env:\n(?: {2}.*\n)*? {2}CHECKPOINT_DISABLE: "1"/m);
});

/** The shell commands of a workflow's `run:` steps, one logical line each (continuations joined). */
function runCommands(text: string): string[] {
  const lines: string[] = [];
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) {
    const step = /^(\s*)(?:- )?run: ?(.*)$/.exec(all[i]);
    if (!step) continue;
    const body = step[2] === "|" ? [] : [step[2]];
    if (step[2] === "|") {
      const indent = step[1].length;
      while (i + 1 < all.length && (all[i + 1].trim() === "" || all[i + 1].search(/\S/) > indent + 2))
        body.push(all[++i]);
    }
    lines.push(
      ...body
        .join("\n")
        .replace(/\s*\\\n\s*/g, " ")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  return lines;
}

const BOOTSTRAP = /state-bootstrap/;
const UNREVIEWED_APPLY = [
  /auto-approve/, // cdktf deploy --auto-approve, terraform apply/destroy -auto-approve
  /\bcdktf (?:deploy|apply|destroy)\b/, // cdktf plans and applies in one go: nothing reviewed
  /\bterraform (?:apply|destroy)\b/, // only `npm run apply` applies, and it applies saved plans only
];

test("the unreviewed-apply check sees through continuations and block scalars", () => {
  const sample =
    'steps:\n  - run: |\n      echo hi\n      npx cdktf deploy "$S" \\\n        --auto-approve\n  - run: terraform apply x\n';
  expect(runCommands(sample)).toEqual([
    "echo hi",
    'npx cdktf deploy "$S" --auto-approve',
    "terraform apply x",
  ]);
});

test.each(workflows)(
  "%s has no path that applies what nobody reviewed (outside the state bootstrap)",
  (name) => {
    const offending = runCommands(read(name)).filter(
      (command) => !BOOTSTRAP.test(command) && UNREVIEWED_APPLY.some((pattern) => pattern.test(command)),
    );
    expect(offending).toEqual([]);
    expect(read(name)).not.toMatch(/auto-approve/);
  },
);

test.each(workflows)("%s calls only npm scripts and pipeline files that exist", (name) => {
  const text = read(name);
  for (const [, script] of text.matchAll(/npm run (?:--silent )?([\w:-]+)/g))
    expect(scripts).toContain(script);
  for (const [, file] of text.matchAll(/npx tsx (\S+\.ts)/g))
    expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
});

test.each(workflows)(
  "%s grants read-only contents by default and writes only where a job needs it",
  (name) => {
    const text = read(name);
    expect(text).toMatch(/^permissions:\n {2}contents: read\n/m);
    expect(text).not.toMatch(/write-all|contents: write/);
    for (const grant of text.matchAll(/^ {6}([\w-]+): write/gm)) {
      expect(["id-token", "pull-requests", "issues", "security-events"]).toContain(grant[1]);
    }
  },
);

test("Terraform runs without the setup-terraform wrapper, whose exit codes the pipeline cannot read", () => {
  for (const name of workflows) {
    const text = read(name);
    const setups = text.split("hashicorp/setup-terraform").length - 1;
    expect(text.split("terraform_wrapper: false").length - 1).toBe(setups);
  }
});

test("the pull request plans with OIDC, keeps the plans and updates one marked comment", () => {
  const text = read("pull-request.yml");
  expect(text).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
  expect(text).toContain('npm run --silent plan -- "$STACKS"');
  expect(text).toContain("github/codeql-action/upload-sarif");
  expect(text).toContain("sarif_file: cdktf.out/security-report.sarif");
  expect(text).toContain("name: plan-${{ matrix.environment }}");
  expect(text).toContain('const marker = "<!-- cdktf-plan-summary -->"');
  expect(text).toContain("github.rest.issues.updateComment");
});

test("deploys go one environment at a time behind environment protection, reviewed plans only", () => {
  const text = read("deploy.yml");
  expect(text).toContain("environment: ${{ matrix.environment }}");
  expect(text).toMatch(/max-parallel: 1\n\s+fail-fast: true/);
  expect(text).toContain("role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}");
  expect(text).toContain('--name "plan-$ENVIRONMENT"');
  expect(text).toContain('npm run apply -- "$STACKS"');
  expect(text).toMatch(/cancel-in-progress: false/);
  // A missing, stale or refused reviewed plan, and a stack that was never planned against its upstream, stop
  // the deploy with a message saying what to do instead.
  for (const title of ["No reviewed plan", "Reviewed plan not applied", "Stacks still to plan"])
    expect(text).toContain(`::error title=${title}::`);
  expect(text).not.toMatch(/cdktf-deploy/);
});

test("a manual deploy plans, shows the plan and applies it only behind the environment's approval", () => {
  const text = read("deploy.yml");
  const job = (id: string) => {
    const start = text.indexOf(`\n  ${id}:\n`);
    expect(start).toBeGreaterThan(0);
    const end = text.indexOf("\n\n  ", start + 1);
    return text.slice(start, end < 0 ? undefined : end);
  };
  const plan = job("plan-for-approval");
  expect(plan).toContain("if: github.event_name == 'workflow_dispatch'");
  expect(plan).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
  expect(plan).toContain('args=("$STACKS")');
  expect(plan).toContain('npm run --silent plan -- "${args[@]}"');
  // A teardown is the same reviewed path: its destroy plan waits for the same approval (docs/pipeline.md).
  expect(text).toMatch(/\n {6}destroy:\n {8}description: .*\n {8}type: boolean\n {8}default: false\n/);
  expect(plan).toContain('if [ "$DESTROY" = true ]; then args+=(--destroy); fi');
  expect(plan).toContain('cat cdktf.out/plan-summary.md >> "$GITHUB_STEP_SUMMARY"');
  expect(plan).toContain("name: approval-plan-${{ inputs.environment }}");
  // The unprotected plan environment, never the one whose reviewers approve the apply.
  expect(plan).toMatch(/^ {4}environment: \$\{\{ inputs\.environment \}\}-plan$/m);
  const apply = job("apply-approved");
  expect(apply).toContain("needs: [environments, plan-for-approval]");
  expect(apply).toMatch(/^ {4}environment: \$\{\{ inputs\.environment \}\}$/m);
  expect(apply).toContain("name: approval-plan-${{ inputs.environment }}");
  expect(apply).toContain('npm run apply -- "$STACKS"');
  expect(apply).not.toContain("npm run --silent plan");
  // The push deploy never runs on a manual dispatch, so a manual run cannot skip the approval.
  expect(job("deploy")).toContain("if: github.event_name == 'push'");
});

test("drift detection runs a refresh-only plan on a schedule and keeps one issue", () => {
  const text = read("drift.yml");
  expect(text).toMatch(/schedule:\n\s+- cron: "[^"]+"/);
  expect(text).toContain("--refresh-only");
  expect(text).toContain('const marker = "<!-- cdktf-drift-report -->"');
  expect(text).toContain('labels: ["drift"]');
});

describe("one plan identity per environment", () => {
  /** The jobs of a workflow that plan (`npm run plan`), with their text. */
  const planJobs = (name: string) =>
    read(name)
      .split(/\n(?= {2}[\w-]+:\n)/)
      .filter((job) => /npm run (?:--silent )?plan -- /.test(job));

  test.each(["pull-request.yml", "drift.yml", "deploy.yml"])(
    "%s plans each environment in its GitHub environment <env>-plan, with the role variables it may override",
    (name) => {
      const jobs = planJobs(name);
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) {
        expect(job).toMatch(/\n {4}environment: \$\{\{ (?:matrix|inputs)\.environment \}\}-plan\n/);
        expect(job).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
        expect(job).toContain("BLOG_PLAN_ROLE_ARN: ${{ vars.BLOG_PLAN_ROLE_ARN }}");
      }
    },
  );

  test("the deploy jobs apply in the environment's own GitHub environment with its deploy role", () => {
    const applying = read("deploy.yml")
      .split(/\n(?= {2}[\w-]+:\n)/)
      .filter((job) => job.includes("npm run apply"));
    expect(applying.length).toBe(2);
    for (const job of applying) {
      expect(job).toMatch(/\n {4}environment: \$\{\{ (?:matrix|inputs)\.environment \}\}\n/);
      expect(job).toContain("BLOG_DEPLOY_ROLE_ARN: ${{ vars.BLOG_DEPLOY_ROLE_ARN }}");
    }
  });
});

describe("secret hygiene", () => {
  type Step = {
    name?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
  };
  type Job = { env?: Record<string, string>; steps: Step[] };
  const parsed = (name: string) =>
    parse(read(name)) as { env?: Record<string, string>; jobs: Record<string, Job> };
  const steps = (name: string) => Object.values(parsed(name).jobs).flatMap((job) => job.steps);

  test.each(workflows)("%s never traces a script, nor prints Terraform outputs or a plan's JSON", (name) => {
    for (const step of steps(name).filter((s) => s.run)) {
      // xtrace echoes every expanded command, credentials included.
      expect(step.run).not.toMatch(/\bset -[a-wyz]*x|\bset -o xtrace|\bbash -x\b/);
      // `terraform output` prints sensitive outputs with -json/-raw; `terraform show` of a plan prints its values.
      expect(step.run).not.toMatch(/\bterraform (?:output|show)\b/);
      // Secrets and the token reach a script only through a step's env, never inlined into its text.
      expect(step.run).not.toMatch(/\$\{\{\s*(?:secrets\.|github\.token)/);
    }
  });

  test.each(workflows)("%s hands GitHub's token only to the steps that call GitHub", (name) => {
    const workflow = parsed(name);
    const token = /secrets\.GITHUB_TOKEN|github\.token/;
    expect(JSON.stringify(workflow.env ?? {})).not.toMatch(token);
    for (const job of Object.values(workflow.jobs)) {
      expect(JSON.stringify(job.env ?? {})).not.toMatch(token);
      for (const step of job.steps.filter((s) => token.test(JSON.stringify(s.env ?? {}))))
        expect(step.run).toMatch(/\bgh /);
    }
  });

  test.each(workflows)("%s assumes AWS roles through OIDC only, never with stored keys", (name) => {
    for (const step of steps(name).filter((s) =>
      s.uses?.startsWith("aws-actions/configure-aws-credentials"),
    )) {
      expect(Object.keys(step.with ?? {})).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/access-key|secret|session-token/)]),
      );
      expect(step.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\.AWS_(?:PLAN|DEPLOY)_ROLE_ARN \}\}$/);
    }
  });

  test.each(workflows)(
    "%s keeps artefacts only as long as needed, and saved plans without their JSON documents",
    (name) => {
      for (const step of steps(name).filter((s) => s.uses?.startsWith("actions/upload-artifact"))) {
        const days = Number(step.with?.["retention-days"]);
        expect(days).toBeGreaterThan(0);
        expect(days).toBeLessThanOrEqual(14);
        const paths = String(step.with?.path)
          .split("\n")
          .map((p) => p.trim());
        if (paths.includes("cdktf.out/plans/")) {
          // The binary plan is what the apply needs; the JSON document carries the same sensitive values in clear.
          expect(paths).toContain("!cdktf.out/plans/*.plan.json");
          // An approval takes hours, a review days: the manual run's plans go sooner.
          if (String(step.with?.name).startsWith("approval-")) expect(days).toBeLessThanOrEqual(3);
        }
      }
    },
  );
});
