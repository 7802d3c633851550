/**
 * Plan review depends on synth output that only changes when the code does: two checkouts in different
 * directories, one with every source mtime changed, must synthesize byte-identical output, zips included,
 * with no absolute path of the machine in it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";

const SKIP = new Set(["node_modules", ".git", ".build", "cdktf.out", "dist", "coverage", "test-artifacts"]);

function copyProject(target: string): void {
  fs.cpSync(PROJECT_ROOT, target, {
    recursive: true,
    filter: (src) => !SKIP.has(path.basename(src)) && !src.endsWith(".tfstate"),
  });
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(target, "node_modules"));
}

function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? listFiles(path.join(dir, e.name), base)
        : [path.relative(base, path.join(dir, e.name))],
    )
    .sort();
}

function synth(project: string): string {
  const outdir = path.join(project, "cdktf.out");
  const run = spawnSync(process.execPath, ["scripts/run-app.mjs"], {
    cwd: project,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`synth failed in ${project}:\n${run.stderr}`);
  return outdir;
}

function touchAll(dir: string, when: Date): void {
  for (const file of listFiles(dir)) {
    const full = path.join(dir, file);
    if (!fs.lstatSync(full).isSymbolicLink()) fs.utimesSync(full, when, when);
  }
}

describe("deterministic synth", () => {
  // Two copies of the project and their synth outputs: about 1 GB, removed after the test.
  let root = "";
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("writes byte-identical output from two checkouts, after every mtime changed", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "blog-determinism-"));
    const first = path.join(root, "a");
    const second = path.join(root, "second-checkout-with-a-longer-path");
    copyProject(first);
    copyProject(second);
    touchAll(path.join(second, "handlers"), new Date("2031-05-06T07:08:09Z"));
    touchAll(path.join(second, "web"), new Date("2031-05-06T07:08:09Z"));

    const outA = synth(first);
    const outB = synth(second);
    const files = listFiles(outA);
    expect(listFiles(outB)).toEqual(files);
    expect(files.filter((f) => f.endsWith(".zip")).length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const a = fs.readFileSync(path.join(outA, file));
      expect({ file, same: a.equals(fs.readFileSync(path.join(outB, file))) }).toEqual({ file, same: true });
      if (!file.endsWith(".zip")) {
        const text = a.toString("utf8");
        expect({
          file,
          leaks: text.includes(root) || text.includes(PROJECT_ROOT) || text.includes(os.homedir()),
        }).toEqual({
          file,
          leaks: false,
        });
      }
    }
  });
});
