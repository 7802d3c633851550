/**
 * The workflow rehearsal's own parts, without a root: GitHub's expression semantics as our workflows use them,
 * the runner's file commands, and that every workflow is one the rehearsal can run (every key known, every
 * expression evaluable, every action with a stand-in). The rehearsal itself runs in .ci/run.
 */
import * as fs from "fs";
import * as path from "path";
import { condition, evaluate, interpolate, interpolateValue, type Value } from "../../rehearsal/expressions";
import { parseKeyValues } from "../../rehearsal/job-state";
import { actionName, actionStandIn, GITHUB_SCRIPT, RUN_REPLACEMENTS } from "../../rehearsal/stand-ins";
import { parseWorkflow, readWorkflow } from "../../rehearsal/workflow";

const DIR = path.resolve(__dirname, "../../.github/workflows");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));

const contexts: Record<string, Value> = {
  github: {
    event_name: "push",
    repository: "o/r",
    event: { pull_request: { head: { repo: { full_name: "o/r" } } } },
  },
  needs: {
    environments: { result: "success", outputs: { environments: '["dev","prod"]', app: "myblog" } },
    verify: { result: "success", outputs: { environments: '["dev","prod"]', app: "myblog" } },
  },
  steps: { plan: { outputs: { "exit-code": "1" } } },
  matrix: { environment: "dev" },
  env: {},
  vars: {},
  inputs: {},
  secrets: {},
  runner: {},
  job: {},
  strategy: {},
};

describe("expressions", () => {
  test("comparisons are case-insensitive for strings; && and || yield an operand; missing properties are null", () => {
    expect(evaluate("github.event_name == 'PUSH'", { contexts })).toBe(true);
    expect(evaluate("github.event.pull_request.head.repo.full_name == github.repository", { contexts })).toBe(
      true,
    );
    expect(evaluate("github.nothing.here", { contexts })).toBeNull();
    expect(evaluate("vars.MISSING || 'default'", { contexts })).toBe("default");
    expect(evaluate("steps.plan.outputs.exit-code == '1'", { contexts })).toBe(true);
    expect(evaluate("fromJSON(needs.environments.outputs.environments)[1]", { contexts })).toBe("prod");
  });

  test("a whole-expression value keeps its type (a matrix list); text interpolation writes values as text", () => {
    expect(
      interpolateValue(
        { environment: "${{ fromJSON(needs.environments.outputs.environments) }}" },
        { contexts },
      ),
    ).toEqual({ environment: ["dev", "prod"] });
    expect(
      interpolate("${{ needs.environments.outputs.app }}-${{ matrix.environment }}-*", { contexts }),
    ).toBe("myblog-dev-*");
    expect(interpolate("x${{ vars.NONE }}y", { contexts })).toBe("xy");
  });

  test("if: adds success() unless the condition calls a status function", () => {
    const hash = () => "abc";
    expect(condition(undefined, { contexts, status: "failure" })).toBe(false);
    expect(condition("github.event_name == 'push'", { contexts, status: "failure" })).toBe(false);
    expect(condition("${{ !cancelled() }}", { contexts, status: "failure" })).toBe(true);
    expect(condition("${{ always() }}", { contexts, status: "failure" })).toBe(true);
    expect(condition("${{ !cancelled() && hashFiles('x') != '' }}", { contexts, hashFiles: hash })).toBe(
      true,
    );
    expect(condition("${{ !cancelled() && hashFiles('x') != '' }}", { contexts, hashFiles: () => "" })).toBe(
      false,
    );
  });

  test("what the rehearsal cannot evaluate is an error naming it, never a guess", () => {
    expect(() => evaluate("unknownFn(1)", { contexts })).toThrow(/unknownFn/);
    expect(() => evaluate("nope.x", { contexts })).toThrow(/unknown context "nope"/);
    expect(() => evaluate("1 < 2", { contexts })).toThrow(/does not support "<"/);
  });
});

test("runner files: name=value lines and name<<DELIMITER blocks", () => {
  expect(parseKeyValues('app=myblog\nenvironments=["dev"]\nbody<<EOF\na\nb=c\nEOF\n')).toEqual({
    app: "myblog",
    environments: '["dev"]',
    body: "a\nb=c",
  });
  expect(() => parseKeyValues("body<<EOF\nnever closed")).toThrow(/unterminated/);
});

test("a workflow key the rehearsal would not honour is refused by name", () => {
  expect(() =>
    parseWorkflow("x.yml", "jobs:\n  a:\n    runs-on: x\n    services: {}\n    steps: []\n"),
  ).toThrow(/does not know "services"/);
});

describe.each(files)("%s can be rehearsed", (file) => {
  const workflow = readWorkflow(path.join(DIR, file));

  test("every action has a stand-in", () => {
    for (const job of workflow.jobs)
      for (const step of job.steps.filter((s) => s.uses))
        expect([
          actionName(step.uses!),
          Boolean(actionStandIn(step.uses!) || actionName(step.uses!) === GITHUB_SCRIPT),
        ]).toEqual([actionName(step.uses!), true]);
  });

  test("every expression in it evaluates", () => {
    const text = fs.readFileSync(path.join(DIR, file), "utf8");
    for (const [, inner] of text.matchAll(/\$\{\{([\s\S]*?)\}\}/g))
      expect(() => evaluate(inner, { contexts, hashFiles: () => "" })).not.toThrow();
    for (const job of workflow.jobs) {
      for (const c of [job.if, ...job.steps.map((s) => s.if)].filter((x) => x !== undefined))
        expect(() => condition(c, { contexts, hashFiles: () => "" })).not.toThrow();
    }
  });
});

test("each run step the rehearsal replaces or skips exists in a workflow (no stale replacement)", () => {
  const runs = files.flatMap((f) =>
    readWorkflow(path.join(DIR, f)).jobs.flatMap((j) => j.steps.map((s) => s.run ?? "")),
  );
  for (const replacement of RUN_REPLACEMENTS) expect(runs.some((r) => replacement.match.test(r))).toBe(true);
});
