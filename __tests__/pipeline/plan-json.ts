/**
 * Builds `terraform show -json`-shaped documents for renderer tests: the AWS changes a real plan would hold
 * (IAM, security groups, public exposure), which the offline fixture cannot produce with `terraform_data`.
 */
import type { RawResourceChange, TerraformPlanJson } from "../../pipeline/summary/analyze";

type Actions = readonly string[];

export function change(
  address: string,
  actions: Actions,
  before: unknown,
  after: unknown,
  extra: Partial<RawResourceChange> & {
    readonly replacePaths?: (string | number)[][];
    readonly afterUnknown?: unknown;
    readonly importing?: unknown;
  } = {},
): RawResourceChange {
  const [type] = address.replace(/^data\./, "").split(".");
  const { replacePaths, afterUnknown, importing, ...rest } = extra;
  return {
    address,
    mode: address.startsWith("data.") ? "data" : "managed",
    type,
    ...rest,
    change: {
      actions,
      before,
      after,
      after_unknown: afterUnknown ?? {},
      ...(replacePaths ? { replace_paths: replacePaths } : {}),
      ...(importing ? { importing } : {}),
    },
  };
}

export const create = (address: string, after: unknown, extra = {}) =>
  change(address, ["create"], null, after, extra);
export const update = (address: string, before: unknown, after: unknown, extra = {}) =>
  change(address, ["update"], before, after, extra);
export const destroy = (address: string, before: unknown) => change(address, ["delete"], before, null);

export function planJson(
  changes: RawResourceChange[],
  extra: Partial<TerraformPlanJson> = {},
): TerraformPlanJson {
  return { format_version: "1.2", resource_changes: changes, ...extra };
}

export const policy = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
