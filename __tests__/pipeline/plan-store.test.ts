/** The stack-directory hash that ties a saved plan to the configuration that was reviewed. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hashStackDirectory } from "../../pipeline/plan-store";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-hash-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function stackDir(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const STACK = {
  "cdk.tf.json": '{"resource":{}}',
  "assets/fn/archive.zip": "zip-bytes",
  ".terraform.lock.hcl": "lock",
};

test("the same content hashes the same wherever it is checked out", () => {
  expect(hashStackDirectory(stackDir("a", STACK))).toBe(hashStackDirectory(stackDir("elsewhere/b", STACK)));
});

test("configuration, assets, file names and the provider lock file all count", () => {
  const base = hashStackDirectory(stackDir("base", STACK));
  expect(
    hashStackDirectory(stackDir("config", { ...STACK, "cdk.tf.json": '{"resource":{"x":{}}}' })),
  ).not.toBe(base);
  expect(hashStackDirectory(stackDir("asset", { ...STACK, "assets/fn/archive.zip": "other" }))).not.toBe(
    base,
  );
  expect(
    hashStackDirectory(stackDir("lock", { ...STACK, ".terraform.lock.hcl": "newer provider" })),
  ).not.toBe(base);
  const { "assets/fn/archive.zip": zip, ...rest } = STACK;
  expect(hashStackDirectory(stackDir("renamed", { ...rest, "assets/fn/renamed.zip": zip }))).not.toBe(base);
});

test("Terraform's working data, state and plan files do not count", () => {
  const base = hashStackDirectory(stackDir("base", STACK));
  const runtime = stackDir("runtime", {
    ...STACK,
    ".terraform/providers/x": "binary",
    "terraform.tfstate": "{}",
    "terraform.tfstate.backup": "{}",
    ".terraform.tfstate.lock.info": "{}",
    "old.tfplan": "plan",
  });
  expect(hashStackDirectory(runtime)).toBe(base);
});

test("symlinked asset directories count by their content", () => {
  const real = stackDir("real-assets", { "archive.zip": "zip-bytes" });
  const linked = stackDir("linked", { "cdk.tf.json": STACK["cdk.tf.json"], ".terraform.lock.hcl": "lock" });
  fs.mkdirSync(path.join(linked, "assets"));
  fs.symlinkSync(real, path.join(linked, "assets", "fn"));
  expect(hashStackDirectory(linked)).toBe(hashStackDirectory(stackDir("copied", STACK)));
});
