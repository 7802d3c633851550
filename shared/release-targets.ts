/**
 * What a stack's release resource hands the release program (pipeline/release-cli.ts) for one function released
 * through CodeDeploy: the version the apply published, the deployment group that shifts the `live` alias to it,
 * and the pre-traffic hook if any. The program reads the version the alias serves at that moment, and when it is
 * older starts a CodeDeploy deployment from the one to the other and waits for it (pipeline/release.ts). Written
 * by lib/release.ts into the provisioner's environment.
 */

/** The environment variable the provisioner passes the request in (JSON). */
export const RELEASE_REQUEST_VARIABLE = "BLOG_RELEASE_REQUEST";
/**
 * The role variable's default (the environment's deploy role, "" for none): the program assumes the role the
 * stack's AWS providers assume, which is `TF_VAR_aws_role_arn` when set (as `npm run apply` sets it) or this.
 */
export const RELEASE_ROLE_VARIABLE = "BLOG_RELEASE_ROLE_ARN";
export const RELEASE_EXTERNAL_ID_VARIABLE = "BLOG_RELEASE_EXTERNAL_ID";
export const RELEASE_SESSION_VARIABLE = "BLOG_RELEASE_SESSION_NAME";

/** The alias every function is invoked through (never `$LATEST`). */
export const LIVE_ALIAS = "live";

/** One function's release, as the stack describes it. */
export interface ReleaseRequest {
  readonly functionName: string;
  readonly alias: string;
  /** The version this apply published. */
  readonly targetVersion: string;
  readonly application: string;
  readonly deploymentGroup: string;
  /** Where the function and its CodeDeploy application live. */
  readonly region: string;
  /** Longest the deployment may take before it is stopped (and rolled back): the preset's duration and a margin. */
  readonly timeoutMinutes: number;
  /**
   * The `live` alias ARN of the function CodeDeploy runs before it moves any traffic (`release.preTrafficHook`):
   * its Failed report fails the deployment. @default no hook
   */
  readonly beforeAllowTraffic?: string;
}

/** A release with the version the alias serves now: what one AppSpec says. */
export interface ReleaseTarget extends Omit<ReleaseRequest, "timeoutMinutes"> {
  /** The version the alias points at when the deployment starts. */
  readonly currentVersion: string;
}

const TEXT_FIELDS = [
  "functionName",
  "alias",
  "targetVersion",
  "application",
  "deploymentGroup",
  "region",
] as const satisfies ReadonlyArray<keyof ReleaseRequest>;

/** The request in `BLOG_RELEASE_REQUEST`, checked field by field. */
export function parseReleaseRequest(json: string | undefined): ReleaseRequest {
  if (json === undefined || json === "") throw new Error(`${RELEASE_REQUEST_VARIABLE} is not set`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`${RELEASE_REQUEST_VARIABLE} is not JSON`);
  }
  const request = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    if (typeof request[field] !== "string" || request[field] === "")
      throw new Error(`${RELEASE_REQUEST_VARIABLE}.${field} must be a non-empty string`);
  }
  const timeout = request.timeoutMinutes;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0)
    throw new Error(`${RELEASE_REQUEST_VARIABLE}.timeoutMinutes must be a positive number`);
  const hook = request.beforeAllowTraffic;
  if (hook !== undefined && hook !== null && (typeof hook !== "string" || hook === ""))
    throw new Error(`${RELEASE_REQUEST_VARIABLE}.beforeAllowTraffic must be a non-empty string when set`);
  return Object.fromEntries([
    ...TEXT_FIELDS.map((field) => [field, request[field]]),
    ["timeoutMinutes", timeout],
    ...(typeof hook === "string" ? [["beforeAllowTraffic", hook]] : []),
  ]) as unknown as ReleaseRequest;
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
