/**
 * Suppressions live in code next to the resource they excuse, and travel into the synthesized JSON under the
 * resource's `//` comment key (Terraform ignores `//` keys), so the rule pack reads them from `cdk.tf.json`:
 *
 *   "aws_cloudfront_distribution": { "cdn": { ..., "//": { "suppressions": [{ "rule": "CKV_AWS_174", "reason": "…" }] } } }
 *
 * The rule pack reports every suppression and fails on one that names an unknown rule or suppresses nothing; a
 * suppression of a Checkov id skips Checkov's failure of it (checks/checkov/judge.ts).
 */
import { TerraformDataSource, TerraformStack, type TerraformElement } from "cdktf";

/** Key under the resource's `//` object in the synthesized JSON. */
export const SUPPRESSIONS_KEY = "suppressions";
/** Key under a route's `//` object that declares it public on purpose (Checkov's CKV_AWS_309 and CKV_AWS_59). */
export const PUBLIC_ROUTE_KEY = "public_route";

export interface SuppressionRecord {
  readonly rule: string;
  readonly reason: string;
}

export class SuppressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SuppressionError";
  }
}

// addOverride replaces the value at a path, so the accumulated list per element is kept here and re-written whole.
const recorded = new WeakMap<TerraformElement, SuppressionRecord[]>();

/**
 * Excuse `resource` from rule `ruleId`, with the reason a reviewer reads in the report.
 * @throws SuppressionError on an empty rule id, an empty reason, or the same rule suppressed twice
 */
export function suppress(resource: TerraformElement, ruleId: string, reason: string): void {
  const where = resource.node.path;
  const rule = ruleId.trim();
  if (rule === "") throw new SuppressionError(`suppress(${where}): the rule id is empty`);
  if (reason.trim() === "") {
    throw new SuppressionError(
      `suppress(${where}, ${rule}): a reason is required, say why the rule does not apply`,
    );
  }
  const list = recorded.get(resource) ?? [];
  if (list.some((s) => s.rule === rule)) {
    throw new SuppressionError(
      `suppress(${where}, ${rule}): this rule is already suppressed on this resource`,
    );
  }
  list.push({ rule, reason: reason.trim() });
  recorded.set(resource, list);
  const value = list.map((s) => ({ ...s }));
  if (resource instanceof TerraformDataSource) {
    // A data source writes its `//` key after its own overrides, dropping them; the stack's land after it.
    TerraformStack.of(resource).addOverride(
      `data.${resource.terraformResourceType}.${resource.friendlyUniqueId}.//.${SUPPRESSIONS_KEY}`,
      value,
    );
  } else {
    resource.addOverride(`//.${SUPPRESSIONS_KEY}`, value);
  }
}

/**
 * Declare an API route (aws_apigatewayv2_route, or aws_api_gateway_method) public on purpose: Checkov's failure
 * of the check that wants an authorizer on it (CKV_AWS_309, or CKV_AWS_59) is skipped with the reason, and the
 * report lists the route.
 * @throws SuppressionError on an empty reason
 */
export function declarePublicRoute(route: TerraformElement, reason: string): void {
  if (reason.trim() === "") {
    throw new SuppressionError(
      `declarePublicRoute(${route.node.path}): a reason is required, say why anyone may call it`,
    );
  }
  route.addOverride(`//.${PUBLIC_ROUTE_KEY}`, reason.trim());
}
