/** Robustness of what the rules parse: Terraform interpolations and policy documents of any shape. */
import fc from "fast-check";
import { interpolations, Model, readStack } from "../../checks/model";
import { readJsonencode } from "../../shared/jsonencode";
import { parsePolicy } from "../../checks/policy";

const emptyModel = new Model([readStack("s", "stacks/s/cdk.tf.json", "{}", {})]);

describe("interpolations()", () => {
  it("finds nested expressions whole", () => {
    expect(interpolations("${aws_s3_bucket.b.arn}/*")).toEqual(["aws_s3_bucket.b.arn"]);
    expect(interpolations('x ${jsonencode({a = "${var.y}"})} y ${local.z}')).toEqual([
      'jsonencode({a = "${var.y}"})',
      "local.z",
    ]);
    expect(interpolations("no expression")).toEqual([]);
    expect(interpolations("${unterminated")).toEqual([]);
  });

  it("never throws and only returns text found between ${ and }", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const found of interpolations(text)) expect(text).toContain(`\${${found}}`);
      }),
    );
  });
});

describe("parsePolicy()", () => {
  it("reads JSON strings with references, single statements and string principals", () => {
    const parsed = parsePolicy(
      emptyModel,
      "s",
      JSON.stringify({
        Statement: {
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::1:root", "*"] },
          Action: "s3:GetObject",
          Resource: "${aws_s3_bucket.b.arn}/*",
        },
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      statements: [
        expect.objectContaining({
          effect: "Allow",
          principals: ["AWS:arn:aws:iam::1:root", "*"],
          actions: ["s3:GetObject"],
          resources: ["${aws_s3_bucket.b.arn}/*"],
        }),
      ],
    });
  });

  it("reports what it cannot read instead of passing it", () => {
    expect(parsePolicy(emptyModel, "s", "{ not json")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not valid JSON/),
    });
    expect(parsePolicy(emptyModel, "s", JSON.stringify({ Statement: [{ Action: "s3:*" }] }))).toMatchObject({
      ok: false,
      error: "statement #1 has no Effect Allow/Deny",
    });
    expect(parsePolicy(emptyModel, "s", "${data.aws_iam_policy_document.missing.json}")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot be read statically/),
    });
    expect(parsePolicy(emptyModel, "s", 42)).toMatchObject({ ok: false });
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue()), (value) => {
        const parsed = parsePolicy(emptyModel, "s", value);
        expect(typeof parsed.ok).toBe("boolean");
      }),
    );
  });
});

describe("readJsonencode()", () => {
  it("reads cdktf's jsonencode of a literal, bare references as interpolations", () => {
    expect(
      readJsonencode(
        '${jsonencode({"Statement" = [{"Effect" = "Allow", "Action" = ["s3:GetObject"], "Resource" = "${aws_s3_bucket.b.arn}/$${aws:username}/*", "Condition" = {"Bool" = {"aws:SecureTransport" = true}}}, {"Resource" = aws_s3_bucket.b.arn, n = 1.5, o = data.terraform_remote_state.r.outputs.o[0]}]})}',
      ),
    ).toEqual({
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: "${aws_s3_bucket.b.arn}/$${aws:username}/*",
          Condition: { Bool: { "aws:SecureTransport": true } },
        },
        { Resource: "${aws_s3_bucket.b.arn}", n: 1.5, o: "${data.terraform_remote_state.r.outputs.o[0]}" },
      ],
    });
  });

  it("gives up on anything computed", () => {
    for (const text of [
      "${jsonencode(merge(local.a, {}))}",
      '${jsonencode({a = upper("x")})}',
      "${jsonencode({a = 1 + 2})}",
      "${jsonencode({a = 1}",
      "not an expression",
    ])
      expect(readJsonencode(text)).toBeUndefined();
  });

  it("never throws on arbitrary input", () => {
    fc.assert(fc.property(fc.string(), (text) => void readJsonencode(`\${jsonencode(${text})}`)));
  });
});
