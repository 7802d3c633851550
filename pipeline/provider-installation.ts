/**
 * Where Terraform gets the AWS provider from: a filesystem mirror when one is configured or found (offline
 * machines, air-gapped CI), otherwise Terraform's normal installation from the registry. Either way one CLI
 * configuration with one plugin cache, so the ~700 MB provider binary is unpacked once, not once per stack.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PipelineError } from "./errors";
import type { TerraformOptions } from "./terraform";

/** The mirror root: the directory that holds `registry.terraform.io/`; `registry` to ignore any mirror. */
export const MIRROR_ENV = "BLOG_PROVIDER_MIRROR";
const USE_REGISTRY = "registry";
/** Provider address as Terraform's mirrors lay it out. */
export const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";

export interface ProviderInstallation {
  /** `mirror`: offline, from `mirrorRoot`; `registry`: Terraform downloads the version the stacks pin. */
  readonly kind: "mirror" | "registry";
  readonly mirrorRoot?: string;
  /** The AWS provider versions the mirror holds (empty for the registry). */
  readonly mirrorVersions: readonly string[];
  /** Environment for every Terraform command (TF_CLI_CONFIG_FILE, TF_PLUGIN_CACHE_DIR, CHECKPOINT_DISABLE). */
  readonly terraform: TerraformOptions;
  /** One line for reports: where the provider comes from and why. */
  readonly description: string;
}

/**
 * Terraform's own implied mirror directories on Unix, then `/opt/<dir>`, where machine images commonly put
 * a mirror. The first that holds the AWS provider wins.
 */
function candidateMirrors(): string[] {
  const home = os.homedir();
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(home, ".local", "share");
  const implied = [
    path.join(home, ".terraform.d", "plugins"),
    path.join(dataHome, "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ];
  let opt: string[] = [];
  try {
    opt = fs
      .readdirSync("/opt")
      .sort()
      .map((dir) => path.join("/opt", dir));
  } catch {
    // no /opt: nothing to discover there
  }
  return [...implied, ...opt];
}

/** The AWS provider versions an unpacked or packed mirror holds for this platform, newest first. */
export function mirrorVersions(root: string): string[] {
  const dir = path.join(root, AWS_PROVIDER);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
  const unpacked = entries.filter(
    (v) => /^\d+\.\d+\.\d+$/.test(v) && fs.existsSync(path.join(dir, v, platform)),
  );
  const packed = entries
    .map((f) => new RegExp(`^terraform-provider-aws_(\\d+\\.\\d+\\.\\d+)_${platform}\\.zip$`).exec(f)?.[1])
    .filter((v): v is string => v !== undefined);
  return [...new Set([...unpacked, ...packed])].sort(compareVersions).reverse();
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** HCL string literal (paths may hold backslashes or quotes). */
const hcl = (value: string) => JSON.stringify(value);

/**
 * Writes the CLI configuration under `workDir` and returns how Terraform will install the provider.
 * @param workDir a git-ignored directory of the project (the plugin cache lives there too)
 * @throws PipelineError when BLOG_PROVIDER_MIRROR names a directory without the AWS provider
 */
export function providerInstallation(
  workDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ProviderInstallation {
  const configured = env[MIRROR_ENV]?.trim();
  let mirrorRoot: string | undefined;
  let how: string;
  if (configured === USE_REGISTRY) {
    how = `the Terraform registry (${MIRROR_ENV}=${USE_REGISTRY})`;
  } else if (configured) {
    mirrorRoot = path.resolve(configured);
    if (mirrorVersions(mirrorRoot).length === 0) {
      throw new PipelineError(
        `${MIRROR_ENV}=${configured} holds no AWS provider for this platform: expected ` +
          `${path.join(mirrorRoot, AWS_PROVIDER, "<version>", "<os>_<arch>")}/ (a Terraform filesystem mirror ` +
          `root, the directory above registry.terraform.io). Unset it to download from the registry.`,
      );
    }
    how = `filesystem mirror ${mirrorRoot} (from ${MIRROR_ENV})`;
  } else {
    mirrorRoot = candidateMirrors().find((dir) => mirrorVersions(dir).length > 0);
    how = mirrorRoot
      ? `filesystem mirror ${mirrorRoot} (found; set ${MIRROR_ENV} to choose another)`
      : `the Terraform registry (no filesystem mirror found; set ${MIRROR_ENV} to use one)`;
  }

  const cacheDir = path.join(workDir, "plugin-cache");
  fs.mkdirSync(cacheDir, { recursive: true });
  const installation = mirrorRoot
    ? [
        "provider_installation {",
        `  filesystem_mirror {`,
        `    path    = ${hcl(mirrorRoot)}`,
        `    include = [${hcl(AWS_PROVIDER)}]`,
        "  }",
        `  direct {`,
        `    exclude = [${hcl(AWS_PROVIDER)}]`,
        "  }",
        "}",
      ]
    : ["provider_installation {", "  direct {}", "}"];
  const cliConfig = path.join(workDir, "terraform.tfrc");
  fs.writeFileSync(
    cliConfig,
    [
      "# Written by pipeline/provider-installation.ts; regenerated on every run.",
      `plugin_cache_dir = ${hcl(cacheDir)}`,
      // A mirror holds no registry signatures for other platforms; let the cache serve this one.
      "plugin_cache_may_break_dependency_lock_file = true",
      "disable_checkpoint = true",
      ...installation,
      "",
    ].join("\n"),
  );
  return {
    kind: mirrorRoot ? "mirror" : "registry",
    mirrorRoot,
    mirrorVersions: mirrorRoot ? mirrorVersions(mirrorRoot) : [],
    terraform: {
      env: { TF_CLI_CONFIG_FILE: cliConfig, TF_PLUGIN_CACHE_DIR: cacheDir, CHECKPOINT_DISABLE: "1" },
    },
    description: `AWS provider from ${how}`,
  };
}
