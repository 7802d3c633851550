/**
 * Every change that turns this project from CDK for Terraform (cdktf, archived by HashiCorp in December 2025)
 * into CDK Terrain (cdktn, the community fork that continues it), in one place. `npm run migrate:cdktn` applies
 * them to a copy (migration/migrate-cdktn-cli.ts); the project itself stays on cdktf, the packages its design names.
 * cdktn keeps cdktf's file names (cdktf.json, cdktf.out/) and environment variables (CDKTF_OUTDIR, ...), so
 * nothing else needs renaming.
 */

/** A package swapped for its cdktn counterpart, with the version range to install and why. */
export interface PackageSwap {
  readonly from: string;
  readonly to: string;
  readonly range: string;
  readonly reason: string;
}

export const PACKAGE_SWAPS: readonly PackageSwap[] = [
  {
    from: "cdktf",
    to: "cdktn",
    range: "^0.24.0",
    reason: "the construct library (App, TerraformStack, Fn, ...)",
  },
  {
    from: "@cdktf/provider-aws",
    to: "@cdktn/provider-aws",
    range: "^25.7.0",
    reason: "prebuilt AWS bindings; 25.x is generated from AWS provider 6.66",
  },
  {
    from: "cdktf-cli",
    to: "cdktn-cli",
    range: "^0.24.0",
    reason: "the CLI (`cdktn synth`); needs Node.js ≥ 22.19",
  },
  {
    from: "constructs",
    to: "constructs",
    range: "~10.7.2",
    reason: "cdktn 0.24 and @cdktn/provider-aws 25 declare constructs >=10.6.0 <10.8.0 as their peer",
  },
];

/** cdktn-cli 0.24's `engines`: the CLI refuses older Node.js. */
export const CDKTN_NODE_ENGINE = ">=22.19.0";

/** A text rewrite applied to the files whose path matches `files`. */
export interface TextRewrite {
  readonly name: string;
  readonly files: RegExp;
  readonly pattern: RegExp;
  readonly replacement: string;
  readonly reason: string;
}

export const TEXT_REWRITES: readonly TextRewrite[] = [
  {
    name: "module-cdktf",
    files: /\.(?:ts|mts|cts|js|mjs|cjs)$/,
    // import ... from "cdktf", require("cdktf"), import("cdktf"); not "cdktf-cli" or "cdktf.json".
    pattern: /(\bfrom\s+|\brequire\(\s*|\bimport\(\s*)(["'])cdktf\2/g,
    replacement: "$1$2cdktn$2",
    reason: "the construct library's module name",
  },
  {
    name: "module-provider-aws",
    files: /\.(?:ts|mts|cts|js|mjs|cjs)$/,
    pattern: /(["'])@cdktf\/provider-aws(?=[/"'])/g,
    replacement: "$1@cdktn/provider-aws",
    reason: "the AWS bindings' package (imports and require.resolve of its files)",
  },
  {
    name: "cli-command",
    files: /(?:^|\/)(?:package\.json|\.ci\/run|[^/]+\.ya?ml|[^/]+\.sh)$/,
    // `npx cdktf synth`, `cdktf synth` in npm scripts; cdktf.json and cdktf.out keep their names.
    pattern: /\bcdktf(?= +(?:synth|diff|deploy|destroy|get|output|list|watch|provider)\b)/g,
    replacement: "cdktn",
    reason: "the CLI's command name",
  },
];

/**
 * The synthesized output may differ only here after the switch (issue 12): cdktf's metadata (`//` keys, the
 * manifest's version) and the provider requirement — @cdktn/provider-aws pins a newer 6.x provider and writes the
 * full source address `hashicorp/aws` where cdktf wrote the short `aws` (the same provider for Terraform) — and
 * the tags of a resource type only that newer provider can tag.
 */
export type AllowedDifference = "metadata" | "provider-version" | "provider-source" | "provider-tags";

export function allowedDifference(
  file: string,
  jsonPath: readonly string[],
  before?: unknown,
): AllowedDifference | undefined {
  if (jsonPath.includes("//")) return "metadata";
  // A resource the newer provider's bindings make taggable (aws_cloudfront_function from 6.x's later releases) gets
  // the tags Aspect's tags: new tags only, never a changed tag of a resource cdktf's bindings already tagged.
  if (jsonPath.length === 4 && jsonPath[0] === "resource" && jsonPath[3] === "tags" && before === undefined)
    return "provider-tags";
  if (file === "manifest.json" && jsonPath.length === 1 && jsonPath[0] === "version") return "metadata";
  const [top, block, , attribute] = jsonPath;
  if (top === "terraform" && block === "required_providers" && jsonPath.length === 4) {
    if (attribute === "version") return "provider-version";
    if (attribute === "source") return "provider-source";
  }
  return undefined;
}

/** package.json with every swap applied (dependencies, devDependencies, engines); the input is not changed. */
export function migratePackageJson(pkg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(pkg);
  for (const group of ["dependencies", "devDependencies", "peerDependencies"] as const) {
    const deps = out[group] as Record<string, string> | undefined;
    if (!deps) continue;
    for (const swap of PACKAGE_SWAPS) {
      if (!(swap.from in deps)) continue;
      delete deps[swap.from];
      deps[swap.to] = swap.range;
    }
    out[group] = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
  }
  out.engines = { ...(out.engines as object | undefined), node: CDKTN_NODE_ENGINE };
  return out;
}

/** `text` of the file at `file` (a path relative to the project) after the rewrites that apply to it. */
export function rewriteText(file: string, text: string): { text: string; applied: Map<string, number> } {
  const applied = new Map<string, number>();
  let result = text;
  for (const rewrite of TEXT_REWRITES) {
    if (!rewrite.files.test(file)) continue;
    const count = result.match(rewrite.pattern)?.length ?? 0;
    if (count === 0) continue;
    result = result.replace(rewrite.pattern, rewrite.replacement);
    applied.set(rewrite.name, count);
  }
  return { text: result, applied };
}

/**
 * Code lines (not comments, not prose files) that still say "cdktf" after the rewrites, for a person to review:
 * the `managed-by: cdktf` tag value (changing it would retag every resource), messages that name the old CLI,
 * cdktf-cli-only helpers. cdktf.json and cdktf.out are cdktn's names too and are not counted.
 */
export function remainingMentions(file: string, text: string): number {
  if (/\.(?:md|txt)$/.test(file) || file === "package-lock.json") return 0;
  const comment = /^\s*(?:\/\/|\/\*|\*|#)/;
  return text.split("\n").filter((line) => !comment.test(line) && /cdktf(?![.](?:json|out)\b)/i.test(line))
    .length;
}
