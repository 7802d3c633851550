/**
 * Checkov's catalog of Terraform checks (its Terraform JSON mode runs the same registries), read from
 * `checkov --list --framework terraform`: which ids exist and what Checkov calls them.
 */
import { spawnSync } from "child_process";
import { checkovEnv, CheckovRunError } from "./run";

/** check id → Checkov's title */
export type CheckovCatalog = ReadonlyMap<string, string>;

/** Parses the table `checkov --list` prints: `| n | CKV_AWS_18 | resource | aws_s3_bucket | title | Terraform | link |`. */
export function parseCatalog(text: string): CheckovCatalog {
  const catalog = new Map<string, string>();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    // ["", n, id, type, entity, title, IaC, link, ""]
    if (cells.length < 8 || !/^CKV2?_[A-Z0-9]+_\d+$/.test(cells[2]) || cells[6] !== "Terraform") continue;
    if (!catalog.has(cells[2])) catalog.set(cells[2], cells[5]);
  }
  return catalog;
}

export function loadCatalog(binary: string, env: NodeJS.ProcessEnv = process.env): CheckovCatalog {
  const run = spawnSync(binary, ["--list", "--framework", "terraform", "--skip-download"], {
    env: checkovEnv(env),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (run.error || run.status !== 0)
    throw new CheckovRunError(`checkov --list failed: ${run.error?.message ?? run.stderr.slice(-1000)}`);
  const catalog = parseCatalog(run.stdout);
  if (catalog.size === 0) throw new CheckovRunError("checkov --list printed no Terraform checks");
  return catalog;
}
