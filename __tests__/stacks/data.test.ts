import { PROXY_MAX_CONNECTIONS_PERCENT } from "../../config/database-connections";
import { tablesOf } from "../../shared/contracts/tables";
import { networkKeyReference, only, policy, remoteReference, resources, synthApp } from "./synth";

describe("data stack", () => {
  const app = synthApp();
  const dev = app.stack("myblog-dev-data");
  const prod = app.stack("myblog-prod-data");
  const networkKey = networkKeyReference(app, "dev");

  it("runs PostgreSQL privately, encrypted, with a managed master password and IAM authentication", () => {
    const db = only(dev, "aws_db_instance");
    expect(db).toMatchObject({
      engine: "postgres",
      publicly_accessible: false,
      storage_encrypted: true,
      manage_master_user_password: true,
      iam_database_authentication_enabled: true,
      performance_insights_enabled: true,
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
      multi_az: false,
      skip_final_snapshot: true,
    });
    expect(db).toMatchObject({
      kms_key_id: networkKey,
      master_user_secret_kms_key_id: networkKey,
      performance_insights_kms_key_id: networkKey,
    });
    expect(db.backup_retention_period).toBeGreaterThanOrEqual(7);
    expect(db).not.toHaveProperty("password");
    expect(JSON.stringify(dev)).not.toMatch(/"password"\s*:/);
  });

  it("lets AWS upgrade minor versions without a diff: the major configured, the running version an output", () => {
    expect(only(dev, "aws_db_instance")).toMatchObject({
      engine_version: "16",
      auto_minor_version_upgrade: true,
      ca_cert_identifier: "rds-ca-rsa2048-g1",
    });
    expect(only(dev, "aws_elasticache_replication_group")).toMatchObject({
      engine_version: "8.0",
      auto_minor_version_upgrade: "true",
    });
    const outputs = dev.output as Record<string, { value: string }>;
    expect(outputs.db_engine_version_actual.value).toBe("${aws_db_instance.postgres.engine_version_actual}");
    expect(outputs.cache_engine_version_actual.value).toBe(
      "${aws_elasticache_replication_group.cache.engine_version_actual}",
    );
    const pinned = synthApp({
      environments: { dev: { database: { engineVersion: "16.6", autoMinorVersionUpgrade: false } } },
    }).stack("myblog-dev-data");
    expect(only(pinned, "aws_db_instance")).toMatchObject({
      engine_version: "16.6",
      auto_minor_version_upgrade: false,
    });
    expect(only(pinned, "aws_db_parameter_group").family).toBe("postgres16");
  });

  it("makes production PostgreSQL multi-AZ, deletion-protected, with a final snapshot", () => {
    expect(only(prod, "aws_db_instance")).toMatchObject({
      multi_az: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      // Stamped when the instance is created, then kept: a second teardown never collides with the first.
      final_snapshot_identifier: 'myblog-prod-postgres-final-${formatdate("YYYYMMDD-hhmmss", timestamp())}',
      lifecycle: { ignore_changes: ["final_snapshot_identifier"] },
    });
  });

  it("forces TLS through the parameter group", () => {
    const group = only(dev, "aws_db_parameter_group");
    expect(group.family).toBe("postgres16");
    expect(group.parameter).toEqual(expect.arrayContaining([{ name: "rds.force_ssl", value: "1" }]));
  });

  it("puts an RDS Proxy in front of production PostgreSQL: isolated subnets, TLS, IAM end to end, no secret", () => {
    const proxy = only(prod, "aws_db_proxy");
    expect(proxy).toMatchObject({
      name: "myblog-prod-db-proxy",
      engine_family: "POSTGRESQL",
      default_auth_scheme: "IAM_AUTH",
      require_tls: true,
      vpc_security_group_ids: [expect.stringMatching(/security_groupdatabase-proxyid/)],
    });
    expect(proxy).not.toHaveProperty("auth");
    expect(proxy.vpc_subnet_ids).toEqual(only(prod, "aws_db_subnet_group").subnet_ids);
    expect(only(prod, "aws_db_proxy_default_target_group")).toMatchObject({
      connection_pool_config: { max_connections_percent: PROXY_MAX_CONNECTIONS_PERCENT },
    });
    expect(only(prod, "aws_db_proxy_target")).toMatchObject({
      db_instance_identifier: "${aws_db_instance.postgres.identifier}",
      target_group_name: expect.stringMatching(/aws_db_proxy_default_target_group\..*\.name/),
    });
    expect(resources(prod, "aws_secretsmanager_secret")).toEqual({});
    expect(Object.keys(resources(prod, "aws_cloudwatch_log_group"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^db-proxy_logs/)]),
    );
    expect(
      Object.values(resources(prod, "aws_cloudwatch_log_group")).find((g) =>
        String(g.name).startsWith("/aws/rds/proxy/"),
      ),
    ).toMatchObject({ name: "/aws/rds/proxy/myblog-prod-db-proxy", retention_in_days: 365 });
  });

  it("lets the proxy's role, trusted by RDS alone, connect only as the API's user of this instance", () => {
    const role = only(prod, "aws_iam_role");
    expect(policy(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const statements = Object.values(resources(prod, "aws_iam_role_policy")).flatMap(
      (p) => policy(p.policy).Statement,
    );
    expect(statements).toEqual([
      {
        Sid: "ConnectToTargetWithIam",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: [
          "arn:aws:rds-db:eu-west-1:${data.aws_caller_identity.caller.account_id}:dbuser:${aws_db_instance.postgres.resource_id}/blog_api",
        ],
      },
    ]);
  });

  it("runs no proxy in dev by default; database.proxy turns it on per environment", () => {
    for (const type of [
      "aws_db_proxy",
      "aws_db_proxy_default_target_group",
      "aws_db_proxy_target",
      "aws_iam_role",
    ])
      expect(resources(dev, type)).toEqual({});
    const withProxy = synthApp({ environments: { dev: { database: { proxy: true } } } }).stack(
      "myblog-dev-data",
    );
    expect(only(withProxy, "aws_db_proxy")).toMatchObject({ name: "myblog-dev-db-proxy", require_tls: true });
  });

  it("encrypts the cache at rest and in transit and authenticates with IAM, without any token", () => {
    const cache = only(dev, "aws_elasticache_replication_group");
    expect(cache).toMatchObject({ at_rest_encryption_enabled: "true", transit_encryption_enabled: true });
    expect(cache).not.toHaveProperty("auth_token");
    expect(cache.snapshot_retention_limit).toBeGreaterThanOrEqual(1);
    const users = Object.values(resources(dev, "aws_elasticache_user"));
    expect(users.map((u) => (u.authentication_mode as { type: string }).type).sort()).toEqual([
      "iam",
      "no-password-required",
    ]);
    expect(users.find((u) => u.user_name === "default")!.access_string).toBe("off -@all");
    expect(only(prod, "aws_elasticache_replication_group")).toMatchObject({
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      num_cache_clusters: 2,
    });
  });

  it("creates the contract's data tables on demand with PITR and KMS, a stream on subscribers and a TTL on idempotency", () => {
    const tables = resources(dev, "aws_dynamodb_table");
    // Every table the contract gives this layer, and no other (shared/contracts/tables.ts).
    expect(Object.keys(tables).sort()).toEqual([...tablesOf("data")].sort());
    expect(Object.keys(tables)).toEqual(
      expect.arrayContaining(["counters", "idempotency", "photos", "subscribers"]),
    );
    for (const table of Object.values(tables)) {
      expect(table).toMatchObject({
        billing_mode: "PAY_PER_REQUEST",
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true, kms_key_arn: networkKey },
        deletion_protection_enabled: false,
      });
    }
    expect(tables.subscribers).toMatchObject({
      stream_enabled: true,
      stream_view_type: "NEW_IMAGE",
      hash_key: "email",
    });
    expect(tables.idempotency.ttl).toEqual({ attribute_name: "expiration", enabled: true });
    for (const table of Object.values(resources(prod, "aws_dynamodb_table"))) {
      expect(table.deletion_protection_enabled).toBe(true);
    }
  });

  it("adds replica regions as global tables, each replica on a customer-managed key of its own region", () => {
    const replicated = synthApp({
      environments: { dev: { dynamodb: { replicaRegions: ["eu-central-1", "us-west-2"] } } },
    });
    const stack = replicated.stack("myblog-dev-data");
    for (const table of Object.values(resources(stack, "aws_dynamodb_table"))) {
      expect(table.replica).toEqual(
        ["eu-central-1", "us-west-2"].map((region) => ({
          region_name: region,
          kms_key_arn: `\${aws_kms_key.replica-key-${region}.arn}`,
          point_in_time_recovery: true,
          propagate_tags: true,
        })),
      );
      expect(table.server_side_encryption).toEqual({
        enabled: true,
        kms_key_arn: networkKeyReference(replicated, "dev"),
      });
    }
    expect(resources(stack, "aws_dynamodb_table").subscribers.stream_view_type).toBe("NEW_AND_OLD_IMAGES");
    // Each key through a provider alias of its region, rotated, administered through this account's IAM only.
    expect(stack.provider?.aws).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alias: "eu-central-1", region: "eu-central-1" }),
        expect.objectContaining({ alias: "us-west-2", region: "us-west-2" }),
      ]),
    );
    const keys = resources(stack, "aws_kms_key");
    expect(Object.keys(keys).sort()).toEqual(["replica-key-eu-central-1", "replica-key-us-west-2"]);
    for (const [id, key] of Object.entries(keys)) {
      expect(key).toMatchObject({
        provider: `aws.${id.replace("replica-key-", "")}`,
        enable_key_rotation: true,
        deletion_window_in_days: 7,
      });
      const policy = JSON.parse(String(key.policy));
      expect(policy.Statement).toEqual([
        expect.objectContaining({
          Principal: { AWS: "arn:aws:iam::${data.aws_caller_identity.caller.account_id}:root" },
        }),
      ]);
    }
    // The events layer's global table (upload statistics) uses the same keys, read from the data stack.
    const stats = resources(replicated.stack("myblog-dev-events"), "aws_dynamodb_table")[
      "upload-stats-table"
    ];
    expect(stats.replica).toEqual(
      ["eu-central-1", "us-west-2"].map((region) =>
        expect.objectContaining({
          region_name: region,
          kms_key_arn: remoteReference(
            replicated,
            "myblog-dev-data",
            `\${aws_kms_key.replica-key-${region}.arn}`,
          ),
        }),
      ),
    );
    // Without replica regions: no extra key, provider or account lookup.
    expect(resources(dev, "aws_kms_key")).toEqual({});
    expect(dev.provider?.aws).toHaveLength(1);
  });

  it("blocks every bucket from the public, enforces ownership, encrypts, versions and logs it", () => {
    const buckets = Object.keys(resources(dev, "aws_s3_bucket"));
    expect(buckets.map((b) => b.split("_")[0]).sort()).toEqual(["media", "uploads"]);
    const byBucket = (type: string) =>
      Object.values(resources(dev, type))
        .map((r) => String(r.bucket))
        .sort();
    const refs = buckets.map((b) => `\${aws_s3_bucket.${b}.id}`).sort();
    for (const type of [
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_ownership_controls",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_versioning",
      "aws_s3_bucket_logging",
    ]) {
      expect(byBucket(type)).toEqual(refs);
    }
    for (const block of Object.values(resources(dev, "aws_s3_bucket_public_access_block"))) {
      expect(block).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
  });

  it("accepts only TLS on the uploads bucket, expires raw uploads and replaced drafts, and allows the browser's calls", () => {
    const uploadsPolicy = policy(only(dev, "aws_s3_bucket_policy").policy);
    expect(uploadsPolicy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    const lifecycle = Object.values(resources(dev, "aws_s3_bucket_lifecycle_configuration")).find((l) =>
      JSON.stringify(l).includes("expire-raw-uploads"),
    )!;
    expect(JSON.stringify(lifecycle)).toMatch(/"days":30/);
    expect(JSON.stringify(lifecycle)).toMatch(/"days_after_initiation":1/);
    const drafts = (lifecycle.rule as Array<Record<string, unknown>>).find(
      (rule) => rule.id === "expire-replaced-drafts",
    );
    expect(drafts).toMatchObject({
      filter: [{ prefix: "drafts/" }],
      noncurrent_version_expiration: [{ noncurrent_days: 1 }],
    });
    expect(drafts).not.toHaveProperty("expiration"); // a draft itself stays until the author deletes it
    const cors = only(dev, "aws_s3_bucket_cors_configuration");
    // Presigned POSTs, and the author page's own-folder calls with identity pool credentials.
    expect(cors.cors_rule).toEqual([
      expect.objectContaining({ allowed_methods: ["POST"] }),
      expect.objectContaining({
        allowed_methods: ["GET", "PUT", "DELETE", "HEAD"],
        expose_headers: ["ETag"],
      }),
    ]);
  });
});
