/**
 * Where AWS's own guides disagree with the Service Authorization Reference, what the guides say, with the
 * source. Each entry adds to what the reference lets one action accept; a test proves every entry is still
 * needed by the stacks (remove it when the reference catches up or the statement goes).
 */
export interface ReferenceException {
  /** `service:Action`, as the reference spells it. */
  readonly action: string;
  /** An ARN format (reference syntax) the action accepts besides the reference's own. */
  readonly arnFormat?: string;
  /** A condition key the action supports besides the reference's own. */
  readonly conditionKey?: string;
  /** What the guide says, and why the stacks rely on it. */
  readonly why: string;
  /** The AWS guide (or AWS's own code) that says so. */
  readonly source: string;
}

export const REFERENCE_EXCEPTIONS: readonly ReferenceException[] = [
  {
    action: "codedeploy:PutLifecycleEventHookExecutionStatus",
    arnFormat:
      "arn:${Partition}:codedeploy:${Region}:${Account}:deploymentgroup:${ApplicationName}/${DeploymentGroupName}",
    why:
      'The reference lists no resource type (Resource "*"), while the CodeDeploy user guide scopes a hook\'s ' +
      "permission to the deployment group, and AWS CDK's LambdaDeploymentGroup grants it on the deployment " +
      "group ARN (grantPutLifecycleEventHookExecutionStatus). The release hook reports only on its own group.",
    source:
      "https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html; " +
      "aws-cdk-lib/aws-codedeploy/lib/lambda/deployment-group.ts",
  },
  {
    action: "lambda:InvokeFunction",
    arnFormat: "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Alias}",
    why:
      "The reference lists only the unqualified function ARN, while the Lambda developer guide grants Invoke on " +
      "a qualified ARN (an alias or version) to allow invoking exactly that alias. CodeDeploy invokes each " +
      "pre-traffic hook through its live alias, so the release role names the alias.",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
  },
];
