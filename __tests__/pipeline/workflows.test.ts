/**
 * Static checks of the CI workflows (no GitHub runner here): actions pinned to exact versions, every npm
 * script and pipeline CLI they call exists, least-privilege permissions, and the deploy/drift/comment
 * mechanics the documentation promises.
 */
import * as fs from "fs";
import * as path from "path";

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

test.each(workflows)("%s pins every action to an exact release or commit", (name) => {
  const uses = [...read(name).matchAll(/uses:\s*(\S+)/g)].map((m) => m[1]);
  expect(uses.length).toBeGreaterThan(0);
  for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
});

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

test("deploys go one environment at a time behind environment protection, reviewed plans first", () => {
  const text = read("deploy.yml");
  expect(text).toContain("environment: ${{ matrix.environment }}");
  expect(text).toMatch(/max-parallel: 1\n\s+fail-fast: true/);
  expect(text).toContain("role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}");
  expect(text).toContain('--name "plan-${{ matrix.environment }}"');
  expect(text).toContain('npm run apply -- "$STACKS"');
  expect(text).toContain('npx cdktf deploy "$STACKS" --auto-approve');
  expect(text).toMatch(/cancel-in-progress: false/);
});

test("drift detection runs a refresh-only plan on a schedule and keeps one issue", () => {
  const text = read("drift.yml");
  expect(text).toMatch(/schedule:\n\s+- cron: "[^"]+"/);
  expect(text).toContain("--refresh-only");
  expect(text).toContain('const marker = "<!-- cdktf-drift-report -->"');
  expect(text).toContain('labels: ["drift"]');
});
