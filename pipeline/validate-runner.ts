/**
 * `npm run validate`: every synthesized stack read by the real AWS provider — `terraform init -backend=false`
 * and `terraform validate` on a copy of the synth output, with the provider from a filesystem mirror (offline)
 * or the registry, rewritten only as pipeline/provider-line.ts allows when the provider is of an older line.
 */
import * as path from "path";
import { defaultConcurrency, mapLimited, oneAtATime } from "./concurrency";
import { readStacks, selectStacks, type StackInfo } from "./manifest";
import { copyForProvider, describeRewrites, type AppliedRewrite } from "./provider-line";
import { providerInstallation, type ProviderInstallation } from "./provider-installation";
import {
  describeErrors,
  parseDiagnostics,
  runTerraform,
  type Diagnostic,
  type TerraformOptions,
} from "./terraform";

export interface ValidateOptions {
  /** The synth output directory holding `manifest.json`. */
  readonly outdir: string;
  /** Git-ignored directory for the CLI configuration, the plugin cache and the rewritten copy. */
  readonly workDir: string;
  /** Where the rewritten copy of the synth output goes. @default `<workDir>/validate` */
  readonly copyDir?: string;
  /** Stack globs; all stacks when empty. @default [] */
  readonly globs?: readonly string[];
  /** Stacks validated at once. @default the number of CPUs, at most 4 */
  readonly concurrency?: number;
  /** Where to read BLOG_PROVIDER_MIRROR from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Extra environment for the Terraform commands (e.g. a proxy). @default {} */
  readonly terraformEnv?: NodeJS.ProcessEnv;
  /** Progress lines. @default no output */
  readonly log?: (line: string) => void;
}

export interface StackValidation {
  readonly stack: string;
  readonly valid: boolean;
  /** Terraform's error diagnostics (or the init failure), one paragraph each. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly rewrites: readonly AppliedRewrite[];
  readonly seconds: number;
}

export interface ValidateRunResult {
  readonly installation: ProviderInstallation;
  readonly stacks: readonly StackValidation[];
  /** One line per rewrite kind with its counts. */
  readonly rewriteReport: readonly string[];
  readonly exitCode: 0 | 1;
}

/** What to do when the provider cannot be installed: the message names both ways of providing one. */
export function providerUnavailableMessage(installation: ProviderInstallation, detail: string): string {
  return (
    `The AWS provider could not be installed (${installation.description}):\n${detail}\n` +
    `Provide one of: BLOG_PROVIDER_MIRROR=<mirror root> (a Terraform filesystem mirror: the directory above ` +
    `registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>), or network access to registry.terraform.io.`
  );
}

/** `terraform validate -json` prints one document with a `diagnostics` list (not a message stream). */
export function parseValidateJson(stdout: string): Diagnostic[] {
  let document: { diagnostics?: unknown };
  try {
    document = JSON.parse(stdout) as { diagnostics?: unknown };
  } catch {
    return parseDiagnostics(stdout);
  }
  const list = Array.isArray(document.diagnostics) ? document.diagnostics : [];
  return parseDiagnostics(list.map((d) => JSON.stringify({ type: "diagnostic", diagnostic: d })).join("\n"));
}

async function validateStack(
  stack: StackInfo,
  rewrites: readonly AppliedRewrite[],
  installation: ProviderInstallation,
  extraEnv: NodeJS.ProcessEnv,
): Promise<StackValidation> {
  const started = Date.now();
  const terraform: TerraformOptions = { env: { ...installation.terraform.env, ...extraEnv } };
  const done = (errors: string[], warnings: string[] = []) => ({
    stack: stack.name,
    valid: errors.length === 0,
    errors,
    warnings,
    rewrites,
    seconds: (Date.now() - started) / 1000,
  });
  const init = await oneAtATime(() =>
    runTerraform(["init", "-backend=false", "-input=false", "-no-color"], stack.workingDirectory, terraform),
  );
  if (init.exitCode !== 0) return done([providerUnavailableMessage(installation, describeErrors(init))]);
  const validate = await runTerraform(["validate", "-json", "-no-color"], stack.workingDirectory, terraform);
  const diagnostics = parseValidateJson(validate.stdout);
  const describe = (d: (typeof diagnostics)[number]) =>
    `${d.summary}${d.address ? ` (${d.address})` : ""}${d.detail ? `: ${d.detail}` : ""}${d.code ? `\n    ${d.code.trim()}` : ""}`;
  const errors = diagnostics.filter((d) => d.severity === "error").map(describe);
  if (validate.exitCode !== 0 && errors.length === 0) errors.push(describeErrors(validate));
  return done(errors, diagnostics.filter((d) => d.severity === "warning").map(describe));
}

export async function validateStacks(options: ValidateOptions): Promise<ValidateRunResult> {
  const log = options.log ?? (() => undefined);
  const installation = providerInstallation(options.workDir, options.env);
  log(installation.description);
  const copy = options.copyDir ?? path.join(options.workDir, "validate");
  const rewrites = copyForProvider(options.outdir, copy, installation.mirrorVersions);
  for (const line of describeRewrites(rewrites)) log(line);
  const selected = selectStacks(readStacks(copy), options.globs ?? []);
  const concurrency = options.concurrency ?? defaultConcurrency();
  const stacks = await mapLimited(selected, concurrency, async (stack) => {
    const result = await validateStack(
      stack,
      rewrites.get(stack.name) ?? [],
      installation,
      options.terraformEnv ?? {},
    );
    log(`  ${stack.name}: ${result.valid ? "valid" : "INVALID"} (${result.seconds.toFixed(1)} s)`);
    for (const error of result.errors) log(`    ${error.replace(/\n/g, "\n    ")}`);
    return result;
  });
  return {
    installation,
    stacks,
    rewriteReport: describeRewrites(rewrites),
    exitCode: stacks.every((s) => s.valid) ? 0 : 1,
  };
}
