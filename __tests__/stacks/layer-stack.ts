/**
 * A building block synthesized on its own inside a layer stack of the default configuration's `dev` environment, so
 * that `keepAddresses` groups address their resources as the real stacks do.
 */
import { Testing } from "cdktf";
import { loadConfig } from "../../config/load";
import { PROJECT_ROOT } from "../../lib/paths";
import { BlogStack, type Layer } from "../../stacks/blog-stack";
import type { TerraformJson } from "./synth";

/** The default configuration (blog.config.json, no overrides). */
export const { config } = loadConfig({ root: PROJECT_ROOT, env: {}, overrides: {} });

class LayerStack extends BlogStack {
  constructor(layer: Layer, define: (stack: BlogStack) => void) {
    super(Testing.app(), layer, { config, envName: "dev" });
    define(this);
  }
}

/**
 * The Terraform JSON of a `layer` stack holding what `define` adds; `comments` keeps the `//` keys (suppressions),
 * which `Testing.synth` drops.
 */
export function synthInLayer(
  layer: Layer,
  define: (stack: BlogStack) => void,
  { comments = false } = {},
): TerraformJson {
  const stack = new LayerStack(layer, define);
  return JSON.parse(comments ? JSON.stringify(stack.toTerraform()) : Testing.synth(stack));
}
