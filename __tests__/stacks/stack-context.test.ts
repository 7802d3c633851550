/**
 * The stack context (lib/stack-context.ts) and what NodeFunction derives from it: names, log settings, concurrency
 * and release from the stack; the use of each bound resource's key granted once, where it is first needed.
 */
import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import type { FunctionEnvironment } from "../../lib/function-environment";
import { bindBucket, bindParameter, bindTable, READ_KEY, type EnvValue } from "../../lib/function-grants";
import { NodeFunction } from "../../lib/node-function";
import { StackContext } from "../../lib/stack-context";
import { only, policy, resources, type TerraformJson } from "./synth";
import { synthInStack, TEST_KEY_ARN, TEST_OPS_TOPIC_ARN } from "./test-stack";

const table = { name: "photos", arn: "arn:aws:dynamodb:eu-west-1:1:table/photos" };
const bucket = { name: "uploads", arn: "arn:aws:s3:::uploads" };
const statements = (stack: TerraformJson) => policy(only(stack, "aws_iam_role_policy").policy).Statement;
const sids = (stack: TerraformJson) => statements(stack).map((s) => s.Sid);

/** A thumbnail function with the given bindings (its other variables plain text). */
function thumbnail(scope: Construct, bindings: Partial<FunctionEnvironment<"thumbnail", EnvValue>> = {}) {
  return new NodeFunction(scope, "thumbnail", {
    handler: "thumbnail",
    description: "test",
    environment: { UPLOADS_BUCKET: "u", MEDIA_BUCKET: "m", PHOTOS_TABLE: "p", ...bindings },
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

  it("grants the key of what it binds once, after the bindings and the grants it is built with", () => {
    const stack = synthInStack(
      (scope) =>
        new NodeFunction(scope, "welcome-email", {
          handler: "welcome-email",
          description: "test",
          grants: [
            { statement: { Sid: "Extra", Effect: "Allow", Action: "sqs:SendMessage", Resource: "q" } },
          ],
          environment: {
            SES_SENDER: "a@example.com",
            SES_CONFIGURATION_SET: "set",
            // Reading a parameter needs only Decrypt; the tables add GenerateDataKey.
            SITE_URL_PARAMETER: bindParameter({ name: "/p", arn: "arn:aws:ssm:eu-west-1:1:parameter/p" }),
            SUBSCRIBERS_TABLE: bindTable(table, ["GetItem"]),
            IDEMPOTENCY_TABLE: bindTable(table, ["PutItem"]),
          },
        }),
    );
    expect(sids(stack)).toEqual([
      "WriteOwnLogs",
      "Tracing",
      "SiteUrlParameter",
      "SubscribersTable",
      "IdempotencyTable",
      "Extra",
      "UseDataKey",
    ]);
    expect(statements(stack).at(-1)).toEqual({
      Sid: "UseDataKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: TEST_KEY_ARN,
    });
  });

  it("names every key its grants reach in the one statement", () => {
    const otherKey = "arn:aws:kms:eu-west-1:123456789012:key/other";
    const stack = synthInStack((scope) =>
      thumbnail(scope, {
        PHOTOS_TABLE: bindTable(table, ["UpdateItem"]),
        UPLOADS_BUCKET: bindBucket({ ...bucket, kmsKeyArn: otherKey }, "uploads/", ["GetObject"]),
      }),
    );
    const keyUse = statements(stack).filter((s) => s.Sid === "UseDataKey");
    expect(keyUse).toEqual([expect.objectContaining({ Resource: [otherKey, TEST_KEY_ARN] })]);
  });

  it("grants no key where nothing it reaches is encrypted, and a later grant's key right after that grant", () => {
    const stack = synthInStack((scope) => {
      const fn = thumbnail(scope);
      fn.addToRolePolicy(
        { Sid: "ReadSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "s" },
        READ_KEY,
      );
      fn.addToRolePolicy({ Sid: "Later", Effect: "Allow", Action: "sqs:SendMessage", Resource: "q" });
    });
    expect(sids(stack)).toEqual(["WriteOwnLogs", "Tracing", "ReadSecret", "UseDataKey", "Later"]);
    expect(statements(stack)[3].Action).toEqual(["kms:Decrypt"]);
    const none = synthInStack((scope) => thumbnail(scope));
    expect(sids(none)).toEqual(["WriteOwnLogs", "Tracing"]);
  });
});
