import { ROLE_VARIABLE } from "../../shared/account-access";
import { synthApp, type TerraformJson } from "./synth";

const DEV = "111111111111";
const PROD = "222222222222";
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const LAYERS = ["network", "data", "events", "api", "edge"];

/** A two-account app as a platform team writes it: each environment in its account, state in its account's bucket. */
const TWO_ACCOUNTS = {
  environments: {
    dev: {
      account: { id: DEV, deployRoleArn: role(DEV, "blog-deploy"), planRoleArn: role(DEV, "blog-plan") },
      backend: { bucket: "acme-blog-dev-tfstate" },
    },
    prod: {
      account: {
        id: PROD,
        deployRoleArn: role(PROD, "blog-deploy"),
        planRoleArn: role(PROD, "blog-plan"),
        externalId: "acme-blog",
        sessionName: "blog-ci",
      },
      backend: { bucket: "acme-blog-prod-tfstate", roleArn: role(PROD, "blog-state") },
      alarmEmails: ["ops@example.com"],
    },
  },
};
const S3 = { BLOG_BACKEND: "s3", BLOG_STATE_BUCKET: "acme-blog-tfstate" };

type Provider = {
  alias?: string;
  allowed_account_ids?: string[];
  dynamic?: { assume_role?: { for_each: string; content: Record<string, string> } };
};
const providers = (stack: TerraformJson) => (stack.provider?.aws ?? []) as Provider[];
const variables = (stack: TerraformJson) =>
  (stack as { variable?: Record<string, Record<string, unknown>> }).variable ?? {};
const remoteStates = (stack: TerraformJson) =>
  Object.values(
    (stack.data?.terraform_remote_state ?? {}) as Record<string, { config: Record<string, unknown> }>,
  );

describe("environments in their own accounts", () => {
  const app = synthApp(TWO_ACCOUNTS, S3);

  it.each(["dev", "prod"])(
    "ties every AWS provider of %s's stacks to its account and role variable",
    (env) => {
      const id = env === "dev" ? DEV : PROD;
      for (const layer of LAYERS) {
        const stack = app.stack(`myblog-${env}-${layer}`);
        const all = providers(stack);
        expect(all.length).toBe(layer === "edge" ? 2 : 1); // edge: the us-east-1 alias too
        for (const provider of all) {
          expect(provider.allowed_account_ids).toEqual([id]);
          expect(provider.dynamic?.assume_role).toEqual({
            for_each: `\${var.${ROLE_VARIABLE} == null || var.${ROLE_VARIABLE} == "" ? [] : [var.${ROLE_VARIABLE}]}`,
            content: {
              role_arn: "${assume_role.value}",
              session_name: env === "dev" ? `myblog-dev-${layer}` : "blog-ci",
              ...(env === "prod" ? { external_id: "acme-blog" } : {}),
            },
          });
        }
        // The deploy role is the default; the pipeline sets the plan role when planning. Never kept in a plan.
        expect(variables(stack)[ROLE_VARIABLE]).toMatchObject({
          type: "string",
          nullable: true,
          ephemeral: true,
          default: role(id, "blog-deploy"),
        });
        expect((stack.locals!.stack_facts as Record<string, unknown>).account).toEqual({
          id,
          deploy_role_arn: role(id, "blog-deploy"),
          plan_role_arn: role(id, "blog-plan"),
        });
      }
    },
  );

  it("keeps each environment's state in its account's bucket, reached with a literal role", () => {
    const dev = app.stack("myblog-dev-api");
    expect(dev.terraform!.backend).toMatchObject({
      s3: {
        bucket: "acme-blog-dev-tfstate",
        key: "myblog/dev/api.tfstate",
        assume_role: { role_arn: role(DEV, "blog-deploy"), session_name: "myblog-dev-api" },
      },
    });
    // A separate state role takes no external id (that belongs to the account's roles' trust policies).
    const prod = app.stack("myblog-prod-edge");
    expect((prod.terraform!.backend as { s3: Record<string, unknown> }).s3.assume_role).toEqual({
      role_arn: role(PROD, "blog-state"),
      session_name: "blog-ci",
    });
    // Dependants read upstream state through the same bucket and role.
    for (const remote of remoteStates(prod))
      expect(remote.config).toMatchObject({
        bucket: "acme-blog-prod-tfstate",
        assume_role: { role_arn: role(PROD, "blog-state") },
      });
  });

  it("bootstraps one state bucket per account whose policy admits only that account's roles", () => {
    expect(app.stackNames.filter((n) => n.includes("state-bootstrap"))).toEqual([
      `myblog-state-bootstrap-${DEV}`,
      `myblog-state-bootstrap-${PROD}`,
    ]);
    const prod = app.stack(`myblog-state-bootstrap-${PROD}`);
    expect(Object.values(prod.resource!.aws_s3_bucket)[0]).toMatchObject({
      bucket: "acme-blog-prod-tfstate",
    });
    const policy = JSON.parse(Object.values(prod.resource!.aws_s3_bucket_policy)[0].policy as string) as {
      Statement: {
        Sid: string;
        Principal: unknown;
        Action: unknown;
        Resource: unknown;
        Condition?: unknown;
      }[];
    };
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    const writers = [role(PROD, "blog-deploy"), role(PROD, "blog-state")];
    expect(bySid.StateRolesReadAndWriteState).toMatchObject({
      Principal: { AWS: writers },
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
    });
    expect(bySid.StateRolesReadAndWriteState.Resource).toEqual([
      expect.stringMatching(/\/myblog\/prod\/\*$/),
    ]);
    expect(bySid.PlanRoleReadsState).toMatchObject({ Principal: { AWS: [role(PROD, "blog-plan")] } });
    expect(bySid.PlanRoleHoldsTheLock.Resource).toEqual([
      expect.stringMatching(/\/myblog\/prod\/\*\.tflock$/),
    ]);
    expect(bySid.OnlyThisAccountsRoles).toMatchObject({
      Principal: "*",
      Condition: { ArnNotEquals: { "aws:PrincipalArn": [...writers, role(PROD, "blog-plan")].sort() } },
    });
    expect(bySid.DenyInsecureTransport).toBeDefined();
  });
});

describe("environments without an account block", () => {
  const app = synthApp({ environments: { dev: {} } }, S3);

  it("have no account guard, no role variable and no backend role", () => {
    for (const layer of LAYERS) {
      const stack = app.stack(`myblog-dev-${layer}`);
      for (const provider of providers(stack)) {
        expect(provider.allowed_account_ids).toBeUndefined();
        expect(provider.dynamic).toBeUndefined();
      }
      expect(variables(stack)[ROLE_VARIABLE]).toBeUndefined();
      expect((stack.terraform!.backend as { s3: object }).s3).not.toHaveProperty("assume_role");
      for (const remote of remoteStates(stack)) expect(remote.config).not.toHaveProperty("assume_role");
    }
    expect(app.stackNames.filter((n) => n.includes("state-bootstrap"))).toEqual(["myblog-state-bootstrap"]);
  });

  it("guard an account without roles, assuming nothing by default", () => {
    const guarded = synthApp({ environments: { dev: { account: { id: DEV } } } });
    const network = guarded.stack("myblog-dev-network");
    expect(providers(network)[0].allowed_account_ids).toEqual([DEV]);
    expect(variables(network)[ROLE_VARIABLE]).toHaveProperty("default", null);
    expect(network.terraform!.backend).toHaveProperty("local");
  });
});
