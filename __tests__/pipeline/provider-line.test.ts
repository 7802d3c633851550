/** The provider-line rewrites on hand-made stacks: each changes only what it names, and only for an older line. */
import { rewriteForProvider } from "../../pipeline/provider-line";

const proxyStack = () => ({
  terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" } } },
  resource: {
    aws_db_proxy: {
      proxy: { name: "p", engine_family: "POSTGRESQL", default_auth_scheme: "IAM_AUTH", require_tls: true },
    },
  },
});

describe("db-proxy-default-auth-scheme", () => {
  it("drops default_auth_scheme for 5.x and stands in an IAM-required auth block, which 5.x requires", () => {
    const stack = proxyStack();
    const applied = rewriteForProvider(stack, "5.100.0");
    expect(applied.map((r) => r.id)).toEqual(["provider-version-constraint", "db-proxy-default-auth-scheme"]);
    expect(applied[1].changed).toEqual(["aws_db_proxy.proxy.default_auth_scheme"]);
    expect(stack.resource.aws_db_proxy.proxy).toEqual({
      name: "p",
      engine_family: "POSTGRESQL",
      require_tls: true,
      auth: [{ auth_scheme: "SECRETS", iam_auth: "REQUIRED" }],
    });
  });

  it("leaves a 6.x provider's stack as synthesized", () => {
    const stack = proxyStack();
    expect(rewriteForProvider(stack, "6.30.0").map((r) => r.id)).toEqual(["provider-version-constraint"]);
    expect(stack.resource.aws_db_proxy.proxy.default_auth_scheme).toBe("IAM_AUTH");
  });
});
