/**
 * The stack context (lib/stack-context.ts) and what NodeFunction derives from it: names, log settings, concurrency
 * and release from the stack.
 */
import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { NodeFunction } from "../../lib/node-function";
import { StackContext } from "../../lib/stack-context";
import { only, resources } from "./synth";
import { synthInStack, TEST_KEY_ARN, TEST_OPS_TOPIC_ARN } from "./test-stack";

function thumbnail(scope: Construct) {
  return new NodeFunction(scope, "thumbnail", {
    handler: "thumbnail",
    description: "test",
    environment: { UPLOADS_BUCKET: "u", MEDIA_BUCKET: "m", PHOTOS_TABLE: "p" },
  });
}

describe("StackContext", () => {
  it("is found from any construct of a layer stack, and refused outside one", () => {
    synthInStack((scope) => {
      const nested = new Construct(new Construct(scope, "a"), "b");
      expect(StackContext.of(nested)).toBe(StackContext.of(scope));
      expect(StackContext.of(nested).names.resource("x")).toBe("myblog-dev-x");
    });
    const plain = new TerraformStack(Testing.app(), "plain");
    expect(() => StackContext.of(new Construct(plain, "c"))).toThrow("stack plain provides no StackContext");
  });

  it("says which foundation a stack did not register when a construct needs it", () => {
    expect(() => synthInStack((scope) => thumbnail(scope), { network: {} })).toThrow(
      "stack myblog-dev-events registered no kmsKeyArn: give it the network's outputs (props.network)",
    );
    const keyOnly = { network: { kmsKeyArn: TEST_KEY_ARN } };
    expect(() => synthInStack((scope) => void StackContext.of(scope).opsTopicArn, keyOnly)).toThrow(
      "registered no opsTopicArn",
    );
  });

  it("creates the stack's CodeDeploy releases once, when the first function needs them", () => {
    const prod = synthInStack(
      (scope) => {
        const context = StackContext.of(scope);
        expect(context.releases).toBe(context.releases);
      },
      { envName: "prod" },
    );
    expect(only(prod, "aws_codedeploy_app")).toMatchObject({ name: "myblog-prod-events" });
    expect(only(prod, "aws_iam_role_policy").policy).toContain(TEST_OPS_TOPIC_ARN);
    const dev = synthInStack((scope) => thumbnail(scope));
    expect(resources(dev, "aws_codedeploy_app")).toEqual({});
  });
});

describe("NodeFunction from the stack context", () => {
  it("takes its names, log retention, log key, concurrency share and release from the stack", () => {
    const dev = synthInStack((scope) => thumbnail(scope));
    expect(only(dev, "aws_lambda_function")).toMatchObject({
      function_name: "myblog-dev-thumbnail",
      reserved_concurrent_executions: 5,
    });
    expect(only(dev, "aws_iam_role").name).toBe("myblog-dev-eu-west-1-thumbnail-fn");
    expect(only(dev, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/myblog-dev-thumbnail",
      retention_in_days: 30,
      kms_key_id: TEST_KEY_ARN,
    });
    expect(only(dev, "aws_lambda_alias").description).toBe("The newest version");

    const prod = synthInStack((scope) => thumbnail(scope), { envName: "prod" });
    expect(only(prod, "aws_lambda_function").reserved_concurrent_executions).toBe(20);
    expect(only(prod, "aws_lambda_alias").description).toBe("Shifted by CodeDeploy at each apply");
  });
});
