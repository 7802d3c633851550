/**
 * A throwaway place to synthesize the fixture app and run real Terraform against it: its own synth output,
 * state directory and an empty Terraform CLI configuration, so nothing reaches the network or the user's
 * ~/.terraformrc and parallel test files never share state.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TerraformOptions } from "../../../pipeline/terraform";
import { synthFixture, type FixtureOptions } from "./app";

export class FixtureWorkspace {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-fixture-"));
  readonly outdir = path.join(this.root, "cdktf.out");
  readonly stateDir = path.join(this.root, "state");
  readonly terraform: TerraformOptions;

  constructor() {
    fs.mkdirSync(this.stateDir);
    const cliConfig = path.join(this.root, "terraformrc");
    fs.writeFileSync(cliConfig, "");
    this.terraform = {
      env: { TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
    };
  }

  /** Synthesizes a variant of the fixture over the previous output, as `cdktf synth` does. */
  synth(variant: Omit<FixtureOptions, "outdir" | "stateDir"> = {}): void {
    synthFixture({ ...variant, outdir: this.outdir, stateDir: this.stateDir });
  }

  stackDir(stack: string): string {
    return path.join(this.outdir, "stacks", stack);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
