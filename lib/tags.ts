/**
 * Tags as an Aspect over the construct tree: every taggable resource gets the required tags, and a
 * resource's own tags win. Explicit tags (rather than provider `default_tags`) show in the synthesized JSON,
 * so reviews and the rule pack see them.
 */
import { type IAspect, TerraformResource } from "cdktf";
import type { IConstruct } from "constructs";

export const REQUIRED_TAG_KEYS = ["app", "env", "layer", "managed-by"] as const;

interface Taggable {
  tags: Record<string, string>;
  readonly tagsInput: Record<string, string> | undefined;
}

function isTaggable(node: IConstruct): node is TerraformResource & Taggable {
  return node instanceof TerraformResource && "tagsInput" in node;
}

export class TagsAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (isTaggable(node)) node.tags = { ...this.tags, ...(node.tagsInput ?? {}) };
  }
}
