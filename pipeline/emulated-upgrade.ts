/**
 * The emulated deploy's upgrade check: AWS changes the database on its own, behind Terraform's back, as it does in
 * a maintenance window (a minor version upgrade, auto_minor_version_upgrade) and when storage autoscaling grows the
 * volume (max_allocated_storage). The emulator's ModifyDBInstance stands in for AWS. The refreshed state must show
 * the new version in `engine_version_actual` and keep the configured major in `engine_version`; the deploy's re-plan,
 * which follows, must then find nothing to do. Works on the deploy's own copy and state.
 */
import type { StackInfo } from "./manifest";
import { refreshedState, type StateResource } from "./emulated-release";
import { queryApi, RDS } from "./emulator-api";
import type { TerraformOptions } from "./terraform";

export interface UpgradeCheck {
  readonly stack: string;
  /** The instance's address in the stack. */
  readonly instance: string;
  /** `engine_version` as configured (the major). */
  readonly configured: string;
  /** `engine_version_actual` and `allocated_storage` before and after AWS's change, as the refreshed state reads them. */
  readonly before: { readonly version: string; readonly storageGb: number };
  readonly after: { readonly version: string; readonly storageGb: number };
  /** `engine_version` in the state after the change: the configured value when the provider accepts the upgrade. */
  readonly stateEngineVersion: string;
  readonly seconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

/** The next minor of a PostgreSQL version (`16.6` → `16.7`; moto reports `16` as created, so `16` → `16.1`). */
export function nextMinor(version: string): string {
  const [, major, minor] = /^(\d+)(?:\.(\d+))?/.exec(version) ?? [];
  if (major === undefined) throw new Error(`not a PostgreSQL version: "${version}"`);
  return `${major}.${Number(minor ?? 0) + 1}`;
}

/** What storage autoscaling adds: the larger of 10 GiB and 10%, within the maximum (AWS's smallest step). */
export function grownStorage(allocatedGb: number, maxGb: number): number {
  return Math.min(maxGb, allocatedGb + Math.max(10, Math.ceil(allocatedGb / 10)));
}

function dbInstance(resources: StateResource[]): StateResource {
  const instances = resources.filter((r) => r.type === "aws_db_instance");
  if (instances.length !== 1)
    throw new Error(`expected one aws_db_instance in the state, found ${instances.length}`);
  return instances[0];
}

const observed = (db: StateResource) => ({
  version: String(db.values.engine_version_actual),
  storageGb: Number(db.values.allocated_storage),
});

/** Upgrades the stack's PostgreSQL instance to the next minor and grows its storage through the emulator. */
export async function checkAwsUpgrade(
  stack: StackInfo,
  terraform: TerraformOptions,
  endpoint: string,
): Promise<UpgradeCheck> {
  const started = Date.now();
  const db = dbInstance(await refreshedState(stack, terraform));
  const configured = String(db.values.engine_version);
  const before = observed(db);
  const region = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):/.exec(String(db.values.arn))?.[1];
  if (!region) throw new Error(`no region in the instance's ARN ${String(db.values.arn)}`);
  const target = {
    version: nextMinor(before.version),
    storageGb: grownStorage(before.storageGb, Number(db.values.max_allocated_storage)),
  };
  // As AWS's own maintenance would make it.
  await queryApi(endpoint, region, RDS, "ModifyDBInstance", {
    DBInstanceIdentifier: String(db.values.identifier),
    EngineVersion: target.version,
    AllocatedStorage: String(target.storageGb),
    ApplyImmediately: "true",
  });
  const upgraded = dbInstance(await refreshedState(stack, terraform));
  const after = observed(upgraded);
  const stateEngineVersion = String(upgraded.values.engine_version);
  const problems = [
    after.version !== target.version &&
      `engine_version_actual is ${after.version} after the upgrade to ${target.version}`,
    after.storageGb !== target.storageGb &&
      `allocated_storage is ${after.storageGb} after growing to ${target.storageGb}`,
    stateEngineVersion !== configured &&
      `engine_version became ${stateEngineVersion} in the state (configured: ${configured}): the next plan would change it back`,
  ].filter((p): p is string => typeof p === "string");
  return {
    stack: stack.name,
    instance: upgraded.address,
    configured,
    before,
    after,
    stateEngineVersion,
    seconds: (Date.now() - started) / 1000,
    ok: problems.length === 0,
    ...(problems.length === 0 ? {} : { error: problems.join("; ") }),
  };
}
