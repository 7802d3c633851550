/**
 * The pre-traffic hook of a released function (`release.preTrafficHook`): a function (handlers/release-hook) that
 * CodeDeploy runs at `BeforeAllowTraffic` of each release, which smoke-tests the new version and reports Succeeded
 * or Failed. It may read and report on the released function's deployment group only, and invoke only that
 * function's versions. It is not released through CodeDeploy itself (its alias follows each version at once).
 */
import type { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import type { Construct } from "constructs";
import { suppress } from "../checks/suppress";
import { FUNCTIONS } from "../shared/contracts/functions";
import { NodeFunction } from "./node-function";
import { StackContext } from "./stack-context";

/** Seconds the hook may run: the smoke test gets this less the time kept back to report (handlers/release-hook). */
export const HOOK_TIMEOUT_SECONDS = FUNCTIONS["release-hook"].timeout;

export interface PreTrafficHookProps {
  /** The released function whose new versions the hook invokes. */
  readonly target: NodeFunction;
  /** The target's deployment group: the only one whose deployments the hook reads and reports on. */
  readonly group: CodedeployDeploymentGroup;
}

/** The hook function of `props.target`, named `<app>-<env>-<id>`; give it to `Releases.addPreTrafficHook`. */
export function preTrafficHook(
  scope: Construct,
  id: string,
  props: PreTrafficHookProps,
): NodeFunction<"release-hook"> {
  const { target } = props;
  const { region, accountId, env } = StackContext.of(scope);
  const hook = new NodeFunction(scope, id, {
    handler: "release-hook",
    description: `Pre-traffic smoke test of each new ${target.node.id} version (CodeDeploy BeforeAllowTraffic)`,
    // Invoked by CodeDeploy through its alias; nothing to shift or roll back for a function that serves no traffic.
    release: "terraform",
    environment: { TARGET_FUNCTION_NAME: target.functionName },
  });
  hook.addToRolePolicy({
    Sid: "InvokeTargetVersions",
    Effect: "Allow",
    Action: "lambda:InvokeFunction",
    // Every qualified ARN of the function (its numbered versions); not the unqualified function.
    Resource: `arn:aws:lambda:${region}:${accountId}:function:${target.functionName}:*`,
  });
  hook.addToRolePolicy({
    Sid: "ReportOnTargetDeployments",
    Effect: "Allow",
    // Both authorize on the deployment group of the deployment.
    Action: ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"],
    Resource: props.group.arn,
  });
  suppress(
    hook.function,
    "CKV_AWS_115",
    "Invoked by CodeDeploy once per release of one deployment group, which runs one deployment at a time, and it calls the API once per invocation: nothing to cap, and a reservation would only take from the account's pool (BLOG_LAMBDA_DOWNSTREAM_CONCURRENCY fails it if it ever reaches a database or sends mail)",
  );
  // Production stacks are checked for CodeDeploy releases (BLOG_LAMBDA_RELEASED), which the hook is excused from.
  if (env.production)
    suppress(
      hook.function,
      "BLOG_LAMBDA_RELEASED",
      "The pre-traffic hook of a CodeDeploy release: CodeDeploy invokes it once per release and it serves no traffic, so there is nothing to shift or roll back (and a hook releasing itself through CodeDeploy would have no hook)",
    );
  return hook;
}
