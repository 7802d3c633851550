/**
 * One layer stack of the default configuration, with the network's key and ops topic registered as given here, for
 * tests of constructs that read the stack's context (lib/stack-context.ts).
 */
import { Testing } from "cdktf";
import type { Construct } from "constructs";
import { loadConfig } from "../../config/load";
import { PROJECT_ROOT } from "../../lib/paths";
import type { SharedFoundations } from "../../lib/stack-context";
import { BlogStack } from "../../stacks/blog-stack";
import type { TerraformJson } from "./synth";

export const TEST_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test";
export const TEST_OPS_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:myblog-dev-ops";

export interface TestStackOptions {
  /** @default "dev" */
  readonly envName?: string;
  /** Configuration overrides (the shape of blog.config.json). @default none */
  readonly overrides?: Record<string, unknown>;
  /** What the stack registers of the network. @default the test key and ops topic */
  readonly network?: Partial<SharedFoundations>;
}

class TestStack extends BlogStack {
  constructor(options: TestStackOptions, define: (stack: BlogStack) => void) {
    const { config } = loadConfig({ root: PROJECT_ROOT, env: {}, overrides: options.overrides ?? {} });
    super(Testing.app(), "events", {
      config,
      envName: options.envName ?? "dev",
      network: options.network ?? { kmsKeyArn: TEST_KEY_ARN, opsTopicArn: TEST_OPS_TOPIC_ARN },
    });
    define(this);
  }
}

/** Synthesizes what `define` adds to an events stack of the default configuration. */
export function synthInStack(
  define: (scope: Construct) => void,
  options: TestStackOptions = {},
): TerraformJson {
  return JSON.parse(Testing.synth(new TestStack(options, define))) as TerraformJson;
}
