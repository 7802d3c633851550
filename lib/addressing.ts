/**
 * Grouping constructs that add nothing to their resources' Terraform addresses, so resources a stack declared
 * itself can move into a construct without a new address (no state move, no `moved` block). `BlogStack` reads
 * the mark when it allocates ids and refuses two elements that would end up with one address.
 */
import { TerraformElement } from "cdktf";
import type { IConstruct, Node } from "constructs";

const transparent = new WeakSet<IConstruct>();
const claimed = new WeakMap<IConstruct, Map<string, Node>>();

/** Resources inside `group` are addressed as if declared in its parent scope. */
export function keepAddresses<T extends IConstruct>(group: T): T {
  transparent.add(group);
  return group;
}

/** The node `allocateLogicalId` should see: the element's scopes without the transparent groups. */
export function addressedNode(element: TerraformElement | Node): Node {
  const node = TerraformElement.isTerraformElement(element) ? element.node : element;
  if (!node.scopes.some((scope) => transparent.has(scope))) return node;
  return { scopes: node.scopes.filter((scope) => !transparent.has(scope)) } as unknown as Node;
}

/** Records that `element` holds `id` in `stack`; two elements of one stack never share an id. */
export function claimAddress(stack: IConstruct, id: string, element: TerraformElement | Node): string {
  const node = TerraformElement.isTerraformElement(element) ? element.node : element;
  let ids = claimed.get(stack);
  if (!ids) claimed.set(stack, (ids = new Map()));
  const holder = ids.get(id);
  if (holder && holder !== node) {
    throw new Error(`${node.path} and ${holder.path} would share the Terraform address ${id}`);
  }
  ids.set(id, node);
  return id;
}
