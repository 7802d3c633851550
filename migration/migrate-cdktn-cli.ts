/**
 * `npm run migrate:cdktn`: the switch from CDK for Terraform to CDK Terrain, tried on a copy. It copies the
 * project (the files git tracks or would track) to `.build/cdktn/project`, applies every rewrite of
 * migration/cdktn-rewrites.ts, installs the cdktn packages there, synthesizes both apps and compares the outputs:
 * only the provider version, the provider source address and metadata may differ (exit 1 otherwise).
 *
 *   --out <dir>      where the copy goes (its node_modules is kept between runs, so a rerun installs little)
 *   --synth-only     install without devDependencies and run the app as cdktf.json says, with this Node.js;
 *                    by default the copy gets everything and is synthesized by `cdktn synth`, which needs
 *                    Node.js ≥ 22.19 (this machine's, or the Lambda runtime's build from npm as
 *                    `npm run check:node24` fetches it)
 *
 * docs/cdktn.md explains when and how a team switches for real.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { lambdaNode } from "../bench/lambda-node";
import { PROJECT_ROOT } from "../lib/paths";
import { PACKAGE_SWAPS, migratePackageJson, remainingMentions, rewriteText } from "./cdktn-rewrites";
import { compareSynthOutputs, describeComparison } from "./synth-comparison";

interface Options {
  readonly out: string;
  readonly synthOnly: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let out = path.join(PROJECT_ROOT, ".build", "cdktn", "project");
  let synthOnly = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--synth-only") synthOnly = true;
    else if (argv[i] === "--out" && argv[i + 1]) out = path.resolve(argv[++i]);
    else throw new Error(`migrate:cdktn: unknown argument "${argv[i]}" (expected --out <dir>, --synth-only)`);
  }
  if (path.resolve(out) === PROJECT_ROOT || !path.resolve(out).startsWith(PROJECT_ROOT + path.sep)) {
    // The copy's old contents are deleted on every run: never somewhere that holds anything else.
    if (!path.basename(out).includes("cdktn")) {
      throw new Error(
        `migrate:cdktn: --out outside the project must be a directory whose name says cdktn: ${out}`,
      );
    }
  }
  return { out, synthOnly };
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const result = spawnSync(command, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    throw new Error(`migrate:cdktn: \`${[path.basename(command), ...args].join(" ")}\` failed in ${cwd}`);
  }
}

/** The files of the project as `git` sees it: tracked, plus new ones not ignored (a stack someone just added). */
function projectFiles(): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  if (listed.status !== 0)
    throw new Error("migrate:cdktn: needs a git checkout of the project (git ls-files failed)");
  return [...new Set(listed.stdout.split("\0").filter(Boolean))].filter((file) =>
    fs.existsSync(path.join(PROJECT_ROOT, file)),
  );
}

/** Copies and rewrites; returns the per-rewrite counts and the files that still mention cdktf. */
function writeCopy(out: string): { applied: Map<string, number>; mentions: Array<[string, number]> } {
  fs.mkdirSync(out, { recursive: true });
  for (const entry of fs.readdirSync(out)) {
    if (entry !== "node_modules") fs.rmSync(path.join(out, entry), { recursive: true, force: true });
  }
  const applied = new Map<string, number>();
  const mentions: Array<[string, number]> = [];
  for (const file of projectFiles()) {
    const source = path.join(PROJECT_ROOT, file);
    const target = path.join(out, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const bytes = fs.readFileSync(source);
    if (bytes.includes(0)) {
      fs.writeFileSync(target, bytes); // binary: nothing to rewrite
      continue;
    }
    let text = bytes.toString("utf8");
    if (file === "package.json") text = `${JSON.stringify(migratePackageJson(JSON.parse(text)), null, 2)}\n`;
    const rewritten = rewriteText(file, text);
    for (const [name, count] of rewritten.applied) applied.set(name, (applied.get(name) ?? 0) + count);
    fs.writeFileSync(target, rewritten.text, { mode: fs.statSync(source).mode });
    const left = remainingMentions(file, rewritten.text);
    if (left > 0) mentions.push([file, left]);
  }
  return { applied, mentions };
}

/** A Node.js that cdktn-cli accepts: this one when new enough, else the Lambda runtime's build. */
function nodeForCli(): string {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return process.execPath;
  const node = lambdaNode();
  if ("unavailable" in node) {
    throw new Error(
      `migrate:cdktn: cdktn-cli needs Node.js ≥ 22.19 and this is ${process.version}; ${node.unavailable}. ` +
        "Use --synth-only to synthesize with this Node.js.",
    );
  }
  return node.path;
}

function main(): number {
  const options = parseArgs(process.argv.slice(2));
  console.log(`migrate:cdktn: copying the project to ${path.relative(PROJECT_ROOT, options.out) || "."}`);
  const { applied, mentions } = writeCopy(options.out);
  for (const swap of PACKAGE_SWAPS)
    console.log(`  package ${swap.from} → ${swap.to}@${swap.range}: ${swap.reason}`);
  for (const [name, count] of applied) console.log(`  rewrite ${name}: ${count} place(s)`);

  console.log(`migrate:cdktn: npm install${options.synthOnly ? " --omit=dev" : ""} in the copy`);
  const npmArgs = [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    ...(options.synthOnly ? ["--omit=dev"] : []),
  ];
  run("npm", npmArgs, options.out);

  const baseline = path.join(path.dirname(options.out), "cdktf-baseline.out");
  fs.rmSync(baseline, { recursive: true, force: true });
  console.log("migrate:cdktn: synthesizing today's app (cdktf)");
  const app = ["scripts/run-app.mjs"];
  run(process.execPath, app, PROJECT_ROOT, { ...process.env, CDKTF_OUTDIR: baseline });

  const migratedOut = path.join(options.out, "cdktf.out");
  const env = { ...process.env, CDKTF_OUTDIR: migratedOut, CHECKPOINT_DISABLE: "1" };
  if (options.synthOnly) {
    console.log(`migrate:cdktn: synthesizing the copy (cdktn) with Node.js ${process.version}`);
    run(process.execPath, app, options.out, env);
  } else {
    const node = nodeForCli();
    console.log(`migrate:cdktn: \`cdktn synth\` in the copy with ${node}`);
    const cliEnv = { ...env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` };
    run(
      node,
      [path.join(options.out, "node_modules", "cdktn-cli", "bin", "cdktn"), "synth"],
      options.out,
      cliEnv,
    );
  }

  const comparison = compareSynthOutputs(baseline, migratedOut);
  console.log(describeComparison(comparison));
  if (mentions.length > 0) {
    console.log(`code still mentioning cdktf, for a person to review (${mentions.length} files):`);
    for (const [file, count] of mentions) console.log(`  ${file}: ${count} line(s)`);
  }
  return comparison.differences.every((d) => d.allowed) ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
