/**
 * `npm run matrix`: the proof ladder on every example configuration — synth, the real provider's validation, the rule
 * pack with Checkov, every function's cold start — and, per app, the names no two stacks may both own; one row per
 * example with each step's outcome and time. Logs and synth outputs go to `.build/matrix/<example>/`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { validateStacks } from "../pipeline/validate-runner";
import { coldStart, shippedFunctions } from "./cold-start";
import { exampleEnvironment, type Example } from "./examples";
import { doubleOwnership, synthClaims, type DoubleOwnership } from "./ownership";

export const STEPS = ["synth", "validate", "check", "cold start"] as const;
export type StepName = (typeof STEPS)[number];

export interface StepResult {
  readonly status: "pass" | "fail" | "skipped";
  readonly seconds: number;
  /** One line for the table: counts, or why it failed. */
  readonly summary: string;
}

/** Where one example's step works and what it runs with. */
export interface StepContext {
  readonly example: Example;
  readonly root: string;
  /** The synth output directory of this example. */
  readonly outdir: string;
  /** This example's scratch directory (logs, copies). */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

export type Step = (context: StepContext) => Promise<Omit<StepResult, "seconds">>;

const writeLog = (context: StepContext, step: string, text: string) => {
  const file = path.join(context.dir, `${step.replace(/ /g, "-")}.log`);
  fs.writeFileSync(file, text);
  return path.relative(context.root, file);
};

/** `cdktf synth`'s app run (scripts/run-app.mjs) with the example's configuration into a fresh directory. */
export const synthStep: Step = async (context) => {
  fs.rmSync(context.outdir, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [path.join(context.root, "scripts", "run-app.mjs")], {
    cwd: context.root,
    env: { ...exampleEnvironment(context.example, context.root, context.env), CDKTF_OUTDIR: context.outdir },
    encoding: "utf8",
  });
  const log = writeLog(context, "synth", `${run.stdout}${run.stderr}`);
  if (run.status !== 0) return { status: "fail", summary: `exit ${String(run.status)} (${log})` };
  return { status: "pass", summary: `${fs.readdirSync(path.join(context.outdir, "stacks")).length} stacks` };
};

/** `npm run validate`'s runner: every stack through the real AWS provider (pipeline/validate-runner.ts). */
export const validateStep: Step = async (context) => {
  const lines: string[] = [];
  const result = await validateStacks({
    outdir: context.outdir,
    workDir: path.join(context.root, ".build", "terraform"),
    copyDir: path.join(context.dir, "validate"),
    env: context.env,
    log: (line) => lines.push(line),
  });
  const log = writeLog(context, "validate", lines.join("\n"));
  const invalid = result.stacks.filter((s) => !s.valid).map((s) => s.stack);
  const valid = `${result.stacks.length - invalid.length}/${result.stacks.length} valid`;
  if (result.exitCode !== 0)
    return { status: "fail", summary: `${valid}, invalid: ${invalid.join(", ")} (${log})` };
  return { status: "pass", summary: valid };
};

/** `npm run check -- <outdir>`: the rule pack (with the IAM reference rules) and Checkov, as a user runs it. */
export const checkStep: Step = async (context) => {
  const run = spawnSync("npm", ["run", "--silent", "check", "--", context.outdir, "--quiet"], {
    cwd: context.root,
    env: context.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = writeLog(context, "check", `${run.stdout}${run.stderr}`);
  const read = (file: string) => {
    const full = path.join(context.outdir, file);
    return fs.existsSync(full)
      ? (JSON.parse(fs.readFileSync(full, "utf8")) as { summary: Record<string, number> })
      : undefined;
  };
  const pack = read("security-report.json")?.summary;
  const checkov = read("checkov-report.json")?.summary;
  const counts = [
    pack && `pack ${pack.pass} passed, ${pack.fail} failed, ${pack.invalidSuppressions} invalid suppressions`,
    checkov ? `Checkov ${checkov.passed} passed, ${checkov.failed} failed` : "Checkov off",
  ].filter(Boolean);
  if (run.status !== 0)
    return { status: "fail", summary: `exit ${String(run.status)}: ${counts.join("; ")} (${log})` };
  return { status: "pass", summary: counts.join("; ") };
};

/** Every function's zip imported with its stack's environment (matrix/cold-start.ts). */
export const coldStartStep: Step = async (context) => {
  const work = path.join(context.dir, "cold-start");
  fs.rmSync(work, { recursive: true, force: true });
  const functions = shippedFunctions(context.outdir);
  const failed = functions
    .map((f) => ({ name: f.name, result: coldStart(context.outdir, f, work) }))
    .filter(({ result }) => !result.ok);
  const log = writeLog(
    context,
    "cold start",
    failed.map(({ name, result }) => `${name}:\n${result.error}`).join("\n\n"),
  );
  if (failed.length > 0)
    return { status: "fail", summary: `${failed.map((f) => f.name).join(", ")} failed (${log})` };
  return { status: "pass", summary: `${functions.length} functions` };
};

export const DEFAULT_STEPS: Readonly<Record<StepName, Step>> = {
  synth: synthStep,
  validate: validateStep,
  check: checkStep,
  "cold start": coldStartStep,
};

export interface ExampleResult {
  readonly example: string;
  readonly steps: Readonly<Record<StepName, StepResult>>;
  readonly seconds: number;
}

export interface OwnershipResult {
  readonly app: string;
  readonly examples: readonly string[];
  readonly names: number;
  readonly doubles: readonly DoubleOwnership[];
  /** Name-like attributes matrix/ownership.ts does not classify: the check cannot vouch for them. */
  readonly unclassified: readonly string[];
}

export interface MatrixReport {
  readonly examples: readonly ExampleResult[];
  readonly ownership: readonly OwnershipResult[];
  readonly seconds: number;
  readonly ok: boolean;
}

export interface MatrixOptions {
  readonly root: string;
  /** Where each example's synth output, copies and logs go. @default `<root>/.build/matrix` */
  readonly buildDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Steps left out (the table says so). @default none */
  readonly skip?: readonly StepName[];
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** The steps' implementations (tests). @default DEFAULT_STEPS */
  readonly steps?: Readonly<Record<StepName, Step>>;
}

const since = (started: number) => (Date.now() - started) / 1000;

export async function runMatrix(examples: readonly Example[], options: MatrixOptions): Promise<MatrixReport> {
  const started = Date.now();
  const { root, skip = [], log = () => undefined, steps = DEFAULT_STEPS } = options;
  const buildDir = options.buildDir ?? path.join(root, ".build", "matrix");
  const results: ExampleResult[] = [];
  const synthesized: { example: Example; outdir: string }[] = [];
  for (const example of examples) {
    const exampleStarted = Date.now();
    const dir = path.join(buildDir, example.name);
    fs.mkdirSync(dir, { recursive: true });
    const context: StepContext = {
      example,
      root,
      dir,
      outdir: path.join(dir, "cdktf.out"),
      env: options.env ?? process.env,
    };
    const done: Partial<Record<StepName, StepResult>> = {};
    for (const step of STEPS) {
      if (skip.includes(step) || (step !== "synth" && done.synth?.status !== "pass")) {
        const why = skip.includes(step) ? "skipped (--skip)" : "skipped: no synth";
        done[step] = { status: "skipped", seconds: 0, summary: why };
        continue;
      }
      const stepStarted = Date.now();
      log(`${example.name}: ${step} …`);
      let outcome: Omit<StepResult, "seconds">;
      try {
        outcome = await steps[step](context);
      } catch (error) {
        outcome = { status: "fail", summary: (error as Error).message.split("\n")[0] };
      }
      done[step] = { ...outcome, seconds: since(stepStarted) };
      log(
        `${example.name}: ${step} ${outcome.status} (${since(stepStarted).toFixed(1)} s): ${outcome.summary}`,
      );
    }
    if (done.synth?.status === "pass") synthesized.push({ example, outdir: context.outdir });
    results.push({
      example: example.name,
      steps: done as Record<StepName, StepResult>,
      seconds: since(exampleStarted),
    });
  }
  const ownership = ownershipByApp(synthesized);
  const ok =
    results.every((r) => STEPS.every((s) => r.steps[s].status !== "fail")) &&
    results.every((r) => r.steps.synth.status === "pass") &&
    ownership.every((o) => o.doubles.length === 0 && o.unclassified.length === 0);
  const report = { examples: results, ownership, seconds: since(started), ok };
  fs.writeFileSync(path.join(buildDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** The names no two stacks of one app may own, over the synthesized examples of each app together. */
export function ownershipByApp(
  synthesized: readonly { example: Example; outdir: string }[],
): OwnershipResult[] {
  const apps = [...new Set(synthesized.map((s) => s.example.app))];
  return apps.map((app) => {
    const members = synthesized.filter((s) => s.example.app === app);
    const unclassified = new Set<string>();
    const claims = members.flatMap((m) => synthClaims(m.outdir, m.example.name, unclassified));
    return {
      app,
      examples: members.map((m) => m.example.name),
      names: new Set(claims.map((c) => c.name)).size,
      doubles: doubleOwnership(claims),
      unclassified: [...unclassified].sort(),
    };
  });
}

const cell = (step: StepResult) =>
  step.status === "skipped"
    ? step.summary
    : `${step.status === "pass" ? "ok" : "FAIL"} ${step.seconds.toFixed(1)} s`;

/** The table `npm run matrix` prints: a row per example, then the ownership per app, the findings and the total. */
export function formatReport(report: MatrixReport): string {
  const header = ["example", ...STEPS, "total"];
  const rows = report.examples.map((r) => [
    r.example,
    ...STEPS.map((s) => cell(r.steps[s])),
    `${r.seconds.toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const out = [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line), ""];
  for (const r of report.examples)
    for (const s of STEPS)
      if (r.steps[s].status !== "skipped") out.push(`${r.example} ${s}: ${r.steps[s].summary}`);
  out.push("");
  for (const o of report.ownership) {
    const verdict =
      o.doubles.length === 0 && o.unclassified.length === 0
        ? "no name owned by two stacks"
        : `${o.doubles.length} name(s) owned twice${o.unclassified.length ? `, unclassified: ${o.unclassified.join(", ")}` : ""}`;
    out.push(`ownership of app ${o.app} (${o.examples.join(" + ")}): ${o.names} names, ${verdict}`);
    for (const d of o.doubles) out.push(`  ${d.name}\n    ${d.claimants.join("\n    ")}`);
  }
  out.push("", `${report.ok ? "MATRIX PASSED" : "MATRIX FAILED"} in ${report.seconds.toFixed(1)} s`);
  return out.join("\n");
}
