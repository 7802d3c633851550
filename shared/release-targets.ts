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
  /**
   * The `live` alias ARN of the function CodeDeploy runs before it moves any traffic (`release.preTrafficHook`):
   * its Failed report fails the deployment. @default no hook
   */
  readonly beforeAllowTraffic?: string;
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
    const hook = target.beforeAllowTraffic;
    if (hook !== undefined && hook !== null && (typeof hook !== "string" || hook === ""))
      throw new Error(
        `${RELEASE_TARGETS_OUTPUT}[${index}].beforeAllowTraffic must be a non-empty string when set`,
      );
    return Object.fromEntries([
      ...FIELDS.map((field) => [field, target[field]]),
      ...(typeof hook === "string" ? [["beforeAllowTraffic", hook]] : []),
    ]) as unknown as ReleaseTarget;
  });
}

/**
 * The AppSpec CodeDeploy runs for one Lambda release (AppSpec 0.0, `AWS::Lambda::Function`), with the
 * `BeforeAllowTraffic` hook when the target has one (CodeDeploy guide, "AppSpec 'hooks' section for a Lambda
 * deployment": `Hooks` is a list of `{ <lifecycle event>: <function> }`).
 */
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
    ...(target.beforeAllowTraffic ? { Hooks: [{ BeforeAllowTraffic: target.beforeAllowTraffic }] } : {}),
  });
}

/** What a Lambda AppSpec says of one function: the versions CodeDeploy shifts its alias between. */
export interface AppSpecFunction {
  readonly name: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
}

/**
 * The functions of an AppSpec written by `lambdaAppSpec` (JSON; the pre-traffic hook reads the version it must
 * test from it, as CodeDeploy's lifecycle event names none).
 * @throws Error when the content is not such an AppSpec
 */
export function parseLambdaAppSpec(content: string): AppSpecFunction[] {
  let spec: unknown;
  try {
    spec = JSON.parse(content);
  } catch {
    throw new Error("the AppSpec is not JSON");
  }
  const resources = (spec as { Resources?: unknown } | null)?.Resources;
  if (!Array.isArray(resources)) throw new Error("the AppSpec has no Resources list");
  return resources.flatMap((entry: unknown) =>
    Object.values((entry ?? {}) as Record<string, unknown>).flatMap((resource) => {
      const { Type, Properties: p } = (resource ?? {}) as {
        Type?: unknown;
        Properties?: Record<string, unknown>;
      };
      if (Type !== "AWS::Lambda::Function" || !p) return [];
      const text = (key: string) => (typeof p[key] === "string" ? (p[key] as string) : "");
      return [
        {
          name: text("Name"),
          alias: text("Alias"),
          currentVersion: text("CurrentVersion"),
          targetVersion: text("TargetVersion"),
        },
      ];
    }),
  );
}
