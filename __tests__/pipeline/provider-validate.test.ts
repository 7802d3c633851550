/**
 * Every synthesized stack of every environment (dev, prod, state bootstrap) read by the real AWS provider:
 * `terraform init` + `terraform validate`, offline from the machine's filesystem mirror when it has one
 * (BLOG_PROVIDER_MIRROR, or discovered), from the registry otherwise. Nothing here is mocked; when no
 * provider can be had the test fails and says how to provide one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import { LINE_REWRITES } from "../../pipeline/provider-line";
import { PipelineError } from "../../pipeline/errors";
import { providerInstallation } from "../../pipeline/provider-installation";
import { validateStacks } from "../../pipeline/validate-runner";
import { synthApp, type Synthesized } from "../stacks/synth";

// 11 stacks through the real provider: ~25 s on a quiet machine, several times that on a loaded one.
jest.setTimeout(300_000);

// The CLI configuration and plugin cache are shared with `npm run validate`; each test copies to its own dir.
const workDir = path.join(PROJECT_ROOT, ".build", "terraform");
let synth: Synthesized;
let scratch: string;

beforeAll(() => {
  synth = synthApp();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "blog-validate-"));
});
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("the real AWS provider validates every stack of every environment", async () => {
  const result = await validateStacks({
    outdir: synth.outdir,
    workDir,
    copyDir: path.join(scratch, "all"),
  });

  const failures = result.stacks.filter((s) => !s.valid).map((s) => `${s.stack}:\n${s.errors.join("\n")}`);
  expect(failures).toEqual([]);
  expect(result.stacks.map((s) => s.stack).sort()).toEqual(synth.stackNames);
  expect(synth.stackNames).toEqual(
    expect.arrayContaining(["myblog-dev-api", "myblog-prod-edge", "myblog-state-bootstrap"]),
  );
  expect(result.exitCode).toBe(0);

  // Only the rewrites listed in provider-line.ts ran, and only for an older provider line.
  const known = new Set(LINE_REWRITES.map((r) => r.id));
  const used = result.stacks.flatMap((s) => s.rewrites.map((r) => r.id));
  expect(used.filter((id) => !known.has(id))).toEqual([]);
  const older =
    result.installation.mirrorVersions.length > 0 &&
    !result.installation.mirrorVersions.some((v) => v.startsWith("6."));
  if (older) expect(result.rewriteReport.join("\n")).toContain("lambda-runtime-nodejs24");
  // The production data stack's RDS Proxy authenticates with IAM end to end, which 5.x cannot express.
  if (older) expect(result.rewriteReport.join("\n")).toContain("db-proxy-default-auth-scheme");
  if (result.installation.kind === "registry") expect(used).toEqual([]);
});

test("an attribute the provider does not know fails validation with the provider's own words", async () => {
  const broken = path.join(scratch, "broken-src");
  fs.cpSync(synth.outdir, broken, { recursive: true });
  const file = path.join(broken, "stacks", "myblog-state-bootstrap", "cdk.tf.json");
  const stack = JSON.parse(fs.readFileSync(file, "utf8"));
  const bucket = Object.values(stack.resource.aws_s3_bucket)[0] as Record<string, unknown>;
  bucket.bucketPrefixx = "typo";
  fs.writeFileSync(file, JSON.stringify(stack));

  const result = await validateStacks({
    outdir: broken,
    workDir,
    copyDir: path.join(scratch, "broken"),
    globs: ["myblog-state-bootstrap"],
  });

  expect(result.exitCode).toBe(1);
  expect(result.stacks[0].errors.join("\n")).toMatch(/bucketPrefixx/);
});

test("a mirror setting that holds no AWS provider is refused with what a mirror looks like", () => {
  const empty = fs.mkdtempSync(path.join(scratch, "mirror-"));
  expect(() => providerInstallation(path.join(scratch, "cfg"), { BLOG_PROVIDER_MIRROR: empty })).toThrow(
    PipelineError,
  );
  expect(() => providerInstallation(path.join(scratch, "cfg"), { BLOG_PROVIDER_MIRROR: empty })).toThrow(
    /holds no AWS provider .*registry\.terraform\.io\/hashicorp\/aws\/<version>\/<os>_<arch>/,
  );
});

test("without a mirror and without the registry, validation fails and says how to provide a provider", async () => {
  const result = await validateStacks({
    outdir: synth.outdir,
    workDir: path.join(scratch, "no-provider"),
    globs: ["myblog-state-bootstrap"],
    // The registry is made unreachable whatever this machine's network: every request goes to a closed port.
    env: { ...process.env, BLOG_PROVIDER_MIRROR: "registry" },
    terraformEnv: { HTTPS_PROXY: "http://127.0.0.1:9", HTTP_PROXY: "http://127.0.0.1:9", NO_PROXY: "" },
  });

  expect(result.installation.kind).toBe("registry");
  expect(result.exitCode).toBe(1);
  expect(result.stacks[0].errors.join("\n")).toMatch(
    /could not be installed[\s\S]*BLOG_PROVIDER_MIRROR=<mirror root>[\s\S]*registry\.terraform\.io/,
  );
});
