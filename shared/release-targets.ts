/**
 * What a stack tells the pipeline about the functions CodeDeploy releases, in one Terraform output: for each,
 * the version its `live` alias serves (refreshed from AWS at every plan) and the version this apply published.
 * When they differ, `npm run apply` starts a CodeDeploy deployment from the one to the other and waits for it
 * (pipeline/release.ts). Written by lib/release.ts.
 */

/** The output's name in every stack that has releases. */
export const RELEASE_TARGETS_OUTPUT = "release_targets";

/** The alias every function is invoked through (never `$LATEST`). */
export const LIVE_ALIAS = "live";

export interface ReleaseTarget {
  readonly functionName: string;
  readonly alias: string;
  /** The version the alias points at, as Terraform last read it. */
  readonly currentVersion: string;
  /** The version the last apply published. */
  readonly targetVersion: string;
  readonly application: string;
  readonly deploymentGroup: string;
  /** Where the function and its CodeDeploy application live. */
  readonly region: string;
}

const FIELDS = [
  "functionName",
  "alias",
  "currentVersion",
  "targetVersion",
  "application",
  "deploymentGroup",
  "region",
] as const satisfies ReadonlyArray<keyof ReleaseTarget>;

/** The output's value (`terraform output -json release_targets`), checked field by field. */
export function parseReleaseTargets(value: unknown): ReleaseTarget[] {
  if (!Array.isArray(value)) throw new Error(`${RELEASE_TARGETS_OUTPUT} must be a list, not ${typeof value}`);
  return value.map((entry, index) => {
    const target = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    for (const field of FIELDS) {
      if (typeof target[field] !== "string" || target[field] === "")
        throw new Error(`${RELEASE_TARGETS_OUTPUT}[${index}].${field} must be a non-empty string`);
    }
    return Object.fromEntries(FIELDS.map((field) => [field, target[field]])) as unknown as ReleaseTarget;
  });
}

/** The AppSpec CodeDeploy runs for one Lambda release (AppSpec 0.0, `AWS::Lambda::Function`). */
export function lambdaAppSpec(target: ReleaseTarget): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        [target.functionName]: {
          Type: "AWS::Lambda::Function",
          Properties: {
            Name: target.functionName,
            Alias: target.alias,
            CurrentVersion: target.currentVersion,
            TargetVersion: target.targetVersion,
          },
        },
      },
    ],
  });
}
