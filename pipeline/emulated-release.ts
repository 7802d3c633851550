/**
 * The emulated deploy's release check: once the environment is applied, one function's code changes (its zip gets
 * one more line, and `source_code_hash` follows, which is all Terraform sees of a changed handler) and the stack is
 * applied again with a plain `terraform apply`, as `cdktf deploy` runs it. The function's `live` alias must then
 * serve the version that apply published, as the emulator reports it (a refresh reads the alias and the function
 * back from moto, which implements aliases). Works on the deploy's own copy of the synth output.
 */
import { createHash } from "crypto";
import { unzipSync, zipSync } from "fflate";
import * as fs from "fs";
import * as path from "path";
import { ENTRY_FILE } from "../lib/bundle";
import type { StackInfo } from "./manifest";
import { describeErrors, runTerraform, type TerraformOptions } from "./terraform";

export interface ReleaseCheck {
  readonly stack: string;
  /** The function's address in the stack. */
  readonly function: string;
  /** The version the alias served before and after the apply of the changed code. */
  readonly before: string;
  readonly after: string;
  /** The newest version the apply published. */
  readonly published: string;
  readonly ok: boolean;
  readonly error?: string;
}

interface StackJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface StateResource {
  address: string;
  type: string;
  values: Record<string, unknown>;
}

/** The function resources of a stack whose `live` alias Terraform moves (its alias names the function's version). */
function terraformReleased(json: StackJson): string[] {
  const aliases = Object.values(json.resource?.aws_lambda_alias ?? {});
  return Object.keys(json.resource?.aws_lambda_function ?? {}).filter((id) =>
    aliases.some((a) => a.function_version === `\${aws_lambda_function.${id}.version}`),
  );
}

/** The stack's resources as the emulator reports them now (refreshed, never changed). */
export async function refreshedState(
  stack: StackInfo,
  terraform: TerraformOptions,
): Promise<StateResource[]> {
  const refresh = await runTerraform(
    ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=300s"],
    stack.workingDirectory,
    terraform,
  );
  if (refresh.exitCode !== 0) throw new Error(`refresh failed: ${describeErrors(refresh)}`);
  const shown = await runTerraform(["show", "-json"], stack.workingDirectory, terraform);
  if (shown.exitCode !== 0) throw new Error(`terraform show failed: ${shown.stderr.trim()}`);
  const state = JSON.parse(shown.stdout) as { values?: { root_module?: { resources?: StateResource[] } } };
  return state.values?.root_module?.resources ?? [];
}

/** The alias's version and the function's newest published version, from the refreshed state. */
function versions(resources: StateResource[], functionId: string): { alias: string; published: string } {
  const fn = resources.find((r) => r.address === `aws_lambda_function.${functionId}`);
  if (!fn) throw new Error(`aws_lambda_function.${functionId} is not in the state`);
  const name = fn.values.function_name;
  const alias = resources.find((r) => r.type === "aws_lambda_alias" && r.values.function_name === name);
  if (!alias) throw new Error(`no alias of ${String(name)} in the state`);
  return { alias: String(alias.values.function_version), published: String(fn.values.version) };
}

/** A new zip of the function: the same bundle with one more line in its entry module. */
function changeCode(stackDir: string, json: StackJson, functionId: string): void {
  const fn = json.resource!.aws_lambda_function[functionId];
  const zipPath = path.join(stackDir, String(fn.filename));
  const files = unzipSync(fs.readFileSync(zipPath));
  const entry = Buffer.from(files[ENTRY_FILE]).toString("utf8");
  files[ENTRY_FILE] = Buffer.from(`${entry}\n// changed by the emulated deploy's release check\n`);
  const zip = Buffer.from(zipSync(files));
  fs.writeFileSync(zipPath, zip);
  fn.source_code_hash = createHash("sha256").update(zip).digest("base64");
  fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(json, null, 2));
}

/**
 * Changes the code of the first function of `stack` that Terraform releases, applies the stack with a plain
 * `terraform apply`, and reports whether its alias moved to the new version.
 */
export async function checkCodeRelease(stack: StackInfo, terraform: TerraformOptions): Promise<ReleaseCheck> {
  const file = path.join(stack.workingDirectory, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
  const [functionId] = terraformReleased(json);
  const report = { stack: stack.name, function: `aws_lambda_function.${functionId}` };
  if (!functionId)
    return {
      ...report,
      before: "",
      after: "",
      published: "",
      ok: false,
      error: "no function whose alias Terraform moves",
    };
  const before = versions(await refreshedState(stack, terraform), functionId);
  changeCode(stack.workingDirectory, json, functionId);
  const apply = await runTerraform(
    ["apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=300s"],
    stack.workingDirectory,
    terraform,
  );
  if (apply.exitCode !== 0)
    return {
      ...report,
      before: before.alias,
      after: "",
      published: "",
      ok: false,
      error: `terraform apply failed: ${describeErrors(apply)}`,
    };
  const after = versions(await refreshedState(stack, terraform), functionId);
  const ok = after.published !== before.published && after.alias === after.published;
  return {
    ...report,
    before: before.alias,
    after: after.alias,
    published: after.published,
    ok,
    ...(ok
      ? {}
      : {
          error: `the live alias serves version ${after.alias} after the apply published ${after.published} (before: ${before.alias})`,
        }),
  };
}
