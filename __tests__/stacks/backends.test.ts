import { synthApp } from "./synth";

describe("state backends", () => {
  it("defaults to local state files in the project root, read the same way by dependent stacks", () => {
    const app = synthApp({ environments: { dev: {} } });
    const data = app.stack("myblog-dev-data");
    expect(data.terraform!.backend).toEqual({
      local: { path: "../../../terraform.myblog-dev-data.tfstate" },
    });
    const remote = (data.data!.terraform_remote_state as Record<string, Record<string, unknown>>)[
      "cross-stack-reference-input-myblog-dev-network"
    ];
    expect(remote).toMatchObject({
      backend: "local",
      config: { path: "../../../terraform.myblog-dev-network.tfstate" },
    });
  });

  it("uses S3 with one key per stack, native locking, encryption and an optional lock table and key", () => {
    const app = synthApp(
      { environments: { dev: {} } },
      {
        BLOG_BACKEND: "s3",
        BLOG_STATE_BUCKET: "acme-tfstate",
        BLOG_STATE_REGION: "eu-central-1",
        BLOG_STATE_LOCK_TABLE: "acme-locks",
        BLOG_STATE_KMS_KEY_ID: "alias/tfstate",
      },
    );
    const api = app.stack("myblog-dev-api");
    expect(api.terraform!.backend).toEqual({
      s3: {
        bucket: "acme-tfstate",
        key: "myblog/dev/api.tfstate",
        region: "eu-central-1",
        encrypt: true,
        kms_key_id: "alias/tfstate",
        dynamodb_table: "acme-locks",
        use_lockfile: true,
      },
    });
    const remote = api.data!.terraform_remote_state as Record<string, Record<string, any>>;
    expect(remote["cross-stack-reference-input-myblog-dev-data"]).toMatchObject({
      backend: "s3",
      config: { bucket: "acme-tfstate", key: "myblog/dev/data.tfstate", region: "eu-central-1" },
    });
    // The bootstrap stack creates that bucket and lock table, and keeps its own state locally.
    const bootstrap = app.stack("myblog-state-bootstrap");
    expect(bootstrap.terraform!.backend).toHaveProperty("local");
    expect(Object.values(bootstrap.resource!.aws_s3_bucket)[0]).toMatchObject({ bucket: "acme-tfstate" });
    expect(Object.values(bootstrap.resource!.aws_dynamodb_table)[0]).toMatchObject({
      name: "acme-locks",
      hash_key: "LockID",
    });
  });

  it("uses HCP Terraform with one workspace per stack", () => {
    const app = synthApp(
      { environments: { dev: {} } },
      { BLOG_BACKEND: "hcp", BLOG_HCP_ORGANIZATION: "acme", BLOG_HCP_WORKSPACE_PREFIX: "blog-" },
    );
    const events = app.stack("myblog-dev-events");
    expect(events.terraform!.cloud).toEqual({
      hostname: "app.terraform.io",
      organization: "acme",
      workspaces: { name: "blog-myblog-dev-events" },
    });
    const remote = events.data!.terraform_remote_state as Record<string, Record<string, any>>;
    expect(remote["cross-stack-reference-input-myblog-dev-network"]).toMatchObject({
      backend: "remote",
      config: { organization: "acme", workspaces: { name: "blog-myblog-dev-network" } },
    });
  });

  it("keeps a second region's state beside the home region's, not on it, and leaves the bootstrap to the home region", () => {
    const second = { BLOG_REGION: "us-east-1", BLOG_HOME_REGION: "eu-west-1" };
    const local = synthApp({ environments: { dev: {} } }, second);
    expect(local.stackNames).not.toContain("myblog-state-bootstrap");
    const data = local.stack("myblog-dev-data");
    expect(data.terraform!.backend).toEqual({
      local: { path: "../../../terraform.myblog-dev-data-us-east-1.tfstate" },
    });
    const remote = data.data!.terraform_remote_state as Record<string, Record<string, any>>;
    expect(remote["cross-stack-reference-input-myblog-dev-network"].config).toEqual({
      path: "../../../terraform.myblog-dev-network-us-east-1.tfstate",
    });
    const hcp = synthApp(
      { environments: { dev: {} } },
      { ...second, BLOG_BACKEND: "hcp", BLOG_HCP_ORGANIZATION: "acme" },
    );
    expect(hcp.stack("myblog-dev-events").terraform!.cloud).toMatchObject({
      workspaces: { name: "myblog-dev-events-us-east-1" },
    });
  });
});
