/**
 * What a destroy plan deletes and what stands in its way, read from the plan itself (`terraform show -json` of a
 * `plan -destroy`: each deleted resource's `before` is its refreshed state, what AWS has now), so that the review and
 * the refusal are right for any configuration: the data each store loses, the protections that would make the apply
 * fail half-way (deletion protection, buckets and vaults not emptied by the destroy) with the configuration key that
 * lifts each, and what outlives the destroy (a final snapshot, a key in its deletion window).
 */
import type { RawResourceChange, TerraformPlanJson } from "./plan-json";

/** A protection that makes the apply of the destroy fail (or refuses it before): lifted by configuration first. */
export interface Protection {
  readonly address: string;
  /** What protects what: "RDS deletion protection on `myblog-prod-postgres`". */
  readonly what: string;
  /** The configuration key(s) to change and apply before the destroy is planned again. */
  readonly lift: string;
  /** Set when the synthesized configuration lifts it already: it only has to be applied. */
  readonly liftedInConfiguration?: boolean;
}

export interface DestroyFacts {
  /** One line per store whose data the destroy deletes. */
  readonly deletes: readonly string[];
  /** What outlives the destroy, and how long. */
  readonly kept: readonly string[];
  /** Whatever refuses the destroy; empty when it can be applied. */
  readonly protections: readonly Protection[];
}

/** Where the configuration keys live: the environment's section of the configuration. */
export interface TeardownContext {
  /** The environment's name (`prod`), for `environments.<env>.…`. */
  readonly environment: string;
  /** The stack's synthesized resources by type and name: is a protection already lifted in the configuration? */
  readonly resources?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const code = (s: string) => `\`${s}\``;

/** A deleted resource: its address, type, name in the configuration and refreshed attributes. */
interface Deleted {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly before: Record<string, unknown>;
}

function deletedResources(plan: TerraformPlanJson): Deleted[] {
  return (plan.resource_changes ?? [])
    .filter((c: RawResourceChange) => c.mode !== "data" && c.change.actions.includes("delete"))
    .filter((c) => !c.change.actions.includes("create"))
    .map((c) => ({
      address: c.address,
      type: c.type,
      name: c.address.slice(c.address.lastIndexOf(".") + 1),
      before: isRecord(c.change.before) ? c.change.before : {},
    }));
}

/** Reads the destroy plan of one stack. */
export function destroyFacts(plan: TerraformPlanJson, context: TeardownContext): DestroyFacts {
  const env = (key: string) => code(`environments.${context.environment}.${key}`);
  const teardown = `${env("teardown")}: true`;
  const configured = (r: Deleted, attribute: string) => context.resources?.[r.type]?.[r.name]?.[attribute];
  const deletes: string[] = [];
  const kept: string[] = [];
  const protections: Protection[] = [];
  const protect = (r: Deleted, what: string, lift: string, lifted: boolean) =>
    protections.push({ address: r.address, what, lift, ...(lifted ? { liftedInConfiguration: true } : {}) });
  const counted = new Map<string, number>();

  for (const r of deletedResources(plan)) {
    const b = r.before;
    switch (r.type) {
      case "aws_db_instance": {
        const id = String(b.identifier ?? r.name);
        const snapshot = b.skip_final_snapshot === false && typeof b.final_snapshot_identifier === "string";
        deletes.push(
          `PostgreSQL ${code(id)}: every database on it and its automated backups` +
            (snapshot ? "; a final snapshot is taken first" : ", with no final snapshot"),
        );
        if (snapshot)
          kept.push(
            `the final snapshot ${code(String(b.final_snapshot_identifier))} of ${code(id)}, until you delete it ` +
              "(`aws rds delete-db-snapshot`); restore it as docs/operations.md says",
          );
        if (b.deletion_protection === true)
          protect(
            r,
            `RDS deletion protection on ${code(id)}`,
            `set ${teardown} (or ${env("database.deletionProtection")}: false outside production)`,
            configured(r, "deletion_protection") === false,
          );
        break;
      }
      case "aws_dynamodb_table": {
        const name = String(b.name ?? r.name);
        deletes.push(`DynamoDB table ${code(name)}: every item, and its point-in-time recovery`);
        if (b.deletion_protection_enabled === true)
          protect(
            r,
            `DynamoDB deletion protection on ${code(name)}`,
            `set ${teardown} (or ${env("dynamodb.deletionProtection")}: false outside production)`,
            configured(r, "deletion_protection_enabled") === false,
          );
        break;
      }
      case "aws_s3_bucket": {
        const name = String(b.bucket ?? r.name);
        if (b.force_destroy === true) deletes.push(`S3 bucket ${code(name)}: every object and every version`);
        else
          protect(
            r,
            `retained data: S3 bucket ${code(name)} is not emptied by the destroy (no \`force_destroy\`), ` +
              "so deleting it fails while it holds any object version",
            `set ${teardown}, or empty it yourself (every version and delete marker)`,
            configured(r, "force_destroy") === true,
          );
        break;
      }
      case "aws_backup_vault": {
        const name = String(b.name ?? r.name);
        if (b.force_destroy === true) deletes.push(`AWS Backup vault ${code(name)}: every recovery point`);
        else
          protect(
            r,
            `retained data: AWS Backup vault ${code(name)} keeps its recovery points (no \`force_destroy\`), ` +
              "so deleting it fails while it holds any",
            `set ${teardown}, or delete its recovery points yourself`,
            configured(r, "force_destroy") === true,
          );
        break;
      }
      case "aws_cognito_user_pool": {
        const name = String(b.name ?? r.name);
        deletes.push(`Cognito user pool ${code(name)}: every author's account`);
        if (b.deletion_protection === "ACTIVE")
          protect(
            r,
            `Cognito deletion protection on the user pool ${code(name)}`,
            `set ${teardown}`,
            configured(r, "deletion_protection") === "INACTIVE",
          );
        break;
      }
      case "aws_kms_key": {
        const days = typeof b.deletion_window_in_days === "number" ? b.deletion_window_in_days : 30;
        kept.push(
          `KMS key ${code(String(b.key_id ?? r.name))} (${String(b.description ?? "")}): scheduled for deletion in ` +
            `${days} days, after which nothing it encrypted (snapshots and recovery points included) can be read; ` +
            "`aws kms cancel-key-deletion` within that window keeps it",
        );
        break;
      }
      case "aws_cloudwatch_log_group":
      case "aws_sqs_queue":
      case "aws_elasticache_replication_group":
        counted.set(r.type, (counted.get(r.type) ?? 0) + 1);
        break;
    }
  }
  const count = (type: string, one: string, many: string) => {
    const n = counted.get(type) ?? 0;
    if (n > 0) deletes.push(n === 1 ? one : `${n} ${many}`);
  };
  count("aws_elasticache_replication_group", "the cache and its snapshots", "caches and their snapshots");
  count("aws_sqs_queue", "1 queue with any message in it", "queues with any message in them");
  count("aws_cloudwatch_log_group", "1 log group with its logs", "log groups with their logs");
  return { deletes, kept, protections };
}

/** The refusal of a protected stack's destroy: each protection with how to lift it, then what to do next. */
export function refusalMessage(stack: string, facts: DestroyFacts): string {
  const lines = [
    `the destroy of ${stack} is refused: ${facts.protections.length} protection(s) would stop it half-way, ` +
      "after other resources were already deleted:",
    ...facts.protections.map(
      (p) =>
        `  - ${p.what} (${p.address}): ${p.lift}` +
        (p.liftedInConfiguration ? " — the configuration lifts it already: apply it first" : ""),
    ),
    "Lift them first: change the configuration keys above, plan and review that change " +
      "(`npm run plan`), apply it (`npm run apply`), then plan the destroy again (`npm run plan -- --destroy`).",
  ];
  if (facts.kept.length > 0) lines.push("Kept after the destroy:", ...facts.kept.map((k) => `  - ${k}`));
  return lines.join("\n").replace(/`/g, "");
}
