/**
 * The tested path to CDK Terrain (cdktn): the rewrites, the output comparison, and the whole migration run on a
 * copy of this project — installed from the npm registry, synthesized with cdktn, compared with today's cdktf
 * output. Only the provider version, the provider source address and metadata may differ.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  allowedDifference,
  migratePackageJson,
  remainingMentions,
  rewriteText,
} from "../../migration/cdktn-rewrites";
import { compareSynthOutputs, describeComparison } from "../../migration/synth-comparison";
import { PROJECT_ROOT } from "../../lib/paths";

describe("rewrites", () => {
  test("module specifiers of the library and the AWS bindings, nothing else", () => {
    const source = [
      'import { App, Fn } from "cdktf";',
      "const cdktf = require('cdktf');",
      'const lazy = await import("cdktf");',
      'import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";',
      'const dir = require.resolve("@cdktf/provider-aws/package.json");',
      'import * as cli from "cdktf-cli";', // the CLI is not imported by code; left for a person
      'const file = "cdktf.json";',
      'const tags = { "managed-by": "cdktf" };',
    ].join("\n");
    const { text, applied } = rewriteText("stacks/x.ts", source);
    expect(text.split("\n")).toEqual([
      'import { App, Fn } from "cdktn";',
      "const cdktf = require('cdktn');",
      'const lazy = await import("cdktn");',
      'import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";',
      'const dir = require.resolve("@cdktn/provider-aws/package.json");',
      'import * as cli from "cdktf-cli";',
      'const file = "cdktf.json";',
      'const tags = { "managed-by": "cdktf" };',
    ]);
    expect(Object.fromEntries(applied)).toEqual({ "module-cdktf": 3, "module-provider-aws": 2 });
  });

  test("CLI commands in workflows and package.json scripts; cdktf.out keeps its name", () => {
    const workflow = "run: |\n  npx cdktf synth\n  cat cdktf.out/plan-summary.md\n  npx cdktf diff x\n";
    expect(rewriteText(".github/workflows/deploy.yml", workflow).text).toBe(
      "run: |\n  npx cdktn synth\n  cat cdktf.out/plan-summary.md\n  npx cdktn diff x\n",
    );
    expect(rewriteText("README.md", "npx cdktf synth").text).toBe("npx cdktf synth"); // prose: by hand
    expect(rewriteText("lib/x.ts", 'spawn("npx", ["cdktf", "synth"])').applied.size).toBe(0);
  });

  test("package.json: the four swaps and cdktn-cli's Node.js floor, the input untouched", () => {
    const pkg = {
      engines: { node: ">=20" },
      dependencies: { cdktf: "^0.21.0", "@cdktf/provider-aws": "^21.22.1", constructs: "^10.8.1", zod: "^4" },
      devDependencies: { "cdktf-cli": "^0.21.0", jest: "^30" },
    };
    const before = structuredClone(pkg);
    expect(migratePackageJson(pkg)).toEqual({
      engines: { node: ">=22.19.0" },
      dependencies: { "@cdktn/provider-aws": "^25.7.0", cdktn: "^0.24.0", constructs: "~10.7.2", zod: "^4" },
      devDependencies: { "cdktn-cli": "^0.24.0", jest: "^30" },
    });
    expect(pkg).toEqual(before);
  });

  test("remaining mentions count code lines only", () => {
    const text = '// cdktf comment\nconst t = { "managed-by": "cdktf" };\nrun("cdktf.out");\n';
    expect(remainingMentions("stacks/x.ts", text)).toBe(1);
    expect(remainingMentions("README.md", "cdktf everywhere")).toBe(0);
  });
});

describe("output comparison", () => {
  const stack = (version: string, source: string, extra: object = {}) => ({
    "//": { metadata: { version, stackName: "s" } },
    terraform: { required_providers: { aws: { source, version } } },
    resource: { aws_s3_bucket: { b: { "//": { metadata: { path: "s/b" } }, bucket: "x", ...extra } } },
  });
  function outputs(after: object, bundle = "same"): [string, string] {
    const dirs = ["before", "after"].map((name) => fs.mkdtempSync(path.join(os.tmpdir(), `cdktn-${name}-`)));
    const write = (dir: string, content: object, asset: string) => {
      fs.mkdirSync(path.join(dir, "stacks", "s", "assets"), { recursive: true });
      fs.writeFileSync(
        path.join(dir, "manifest.json"),
        JSON.stringify({ version: dir === dirs[0] ? "0.21.0" : "0.24.0" }),
      );
      fs.writeFileSync(path.join(dir, "stacks", "s", "cdk.tf.json"), JSON.stringify(content));
      fs.writeFileSync(path.join(dir, "stacks", "s", "assets", "f.zip"), asset);
    };
    write(dirs[0], stack("0.21.0", "aws"), "same");
    write(dirs[1], after, bundle);
    return dirs as [string, string];
  }

  test("metadata, provider version and source are the only allowed differences", () => {
    const comparison = compareSynthOutputs(...outputs(stack("0.24.0", "hashicorp/aws")));
    expect(comparison.files).toBe(3);
    expect(comparison.differences.map((d) => [d.path.join("."), d.allowed])).toEqual([
      ["version", "metadata"],
      ["//.metadata.version", "metadata"],
      ["terraform.required_providers.aws.source", "provider-source"],
      ["terraform.required_providers.aws.version", "provider-version"],
    ]);
    expect(describeComparison(comparison)).toContain("no other difference");
  });

  test("a changed attribute or bundle is a finding, named with its place", () => {
    const comparison = compareSynthOutputs(...outputs(stack("0.21.0", "aws", { acl: "private" }), "other"));
    const findings = comparison.differences.filter((d) => !d.allowed);
    expect(findings.map((d) => `${d.file} ${d.path.join(".")}`)).toEqual([
      "stacks/s/assets/f.zip ",
      "stacks/s/cdk.tf.json resource.aws_s3_bucket.b.acl",
    ]);
    expect(describeComparison(comparison)).toMatch(/2 difference\(s\) the switch must not make/);
    expect(allowedDifference("stacks/s/cdk.tf.json", ["provider", "aws", "0", "region"])).toBeUndefined();
    // Tags a newer provider makes possible are allowed where there were none; a changed tag is a finding.
    const tags = ["resource", "aws_cloudfront_function", "f", "tags"];
    expect(allowedDifference("stacks/s/cdk.tf.json", tags, undefined)).toBe("provider-tags");
    expect(allowedDifference("stacks/s/cdk.tf.json", tags, { app: "a" })).toBeUndefined();
  });
});

// Installs cdktn, @cdktn/provider-aws and the app's dependencies from the npm registry into
// .build/cdktn/test-project (kept between runs: a rerun installs little), then synthesizes both apps.
test("npm run migrate:cdktn --synth-only: the cdktn copy synthesizes what cdktf does, but for the allowed differences", () => {
  const out = path.join(PROJECT_ROOT, ".build", "cdktn", "test-project");
  const run = spawnSync(
    path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx"),
    ["migration/migrate-cdktn-cli.ts", "--synth-only", "--out", out],
    { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 420_000 },
  );
  const log = `${run.stdout}\n${run.stderr}`;
  expect({ status: run.status, log }).toMatchObject({ status: 0 });
  expect(log).toMatch(/rewrite module-cdktf: \d+ place/);
  expect(log).toMatch(
    /allowed differences: metadata \d+, provider-source 11, provider-version 11(, provider-tags \d+)?/,
  );
  expect(log).toContain("no other difference");
  const pkg = JSON.parse(fs.readFileSync(path.join(out, "package.json"), "utf8"));
  expect(pkg.dependencies).toMatchObject({ cdktn: "^0.24.0", "@cdktn/provider-aws": "^25.7.0" });
  expect(fs.existsSync(path.join(out, "node_modules", "cdktn", "package.json"))).toBe(true);
}, 480_000);
