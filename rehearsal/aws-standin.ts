/**
 * Runs inside a rehearsed job's root, right after its synth, in a job whose credentials step stood in for an AWS
 * role: points the synthesized stacks at the emulator (moto) instead of an account, and at the AWS provider the
 * root has (the 5.x mirror standing in for the registry: only the differences between the provider lines are
 * rewritten, as `npm run validate` and `npm run deploy:local` do). The workflow's own plan command runs after it.
 *
 *   npx tsx rehearsal/aws-standin.ts <endpoint> [outdir]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeEmulatorOverrides } from "../pipeline/emulator-override";
import { copyForProvider, describeRewrites } from "../pipeline/provider-line";
import { providerInstallation } from "../pipeline/provider-installation";

const [endpoint, outdir = "cdktf.out"] = process.argv.slice(2);
if (!endpoint) {
  console.error("usage: aws-standin.ts <emulator endpoint> [outdir]");
  process.exit(2);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "aws-standin-"));
try {
  const installation = providerInstallation(scratch);
  console.log(`provider: ${installation.description}`);
  const copy = path.join(scratch, "out");
  const rewrites = copyForProvider(outdir, copy, installation.mirrorVersions);
  fs.rmSync(path.join(outdir, "stacks"), { recursive: true });
  fs.renameSync(path.join(copy, "stacks"), path.join(outdir, "stacks"));
  for (const line of describeRewrites(rewrites)) console.log(line);
  const written = writeEmulatorOverrides(outdir, endpoint);
  console.log(`${written.length} stack(s) pointed at the emulator ${endpoint}`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
