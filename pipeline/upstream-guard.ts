/**
 * Keeps a reviewed downstream plan true to its upstreams: the plan records a digest of every upstream output it
 * read, and before the apply those outputs are read again; a plan whose upstream outputs changed (or vanished)
 * since is refused, naming them, instead of applying the old values.
 *
 * Where the values come from, at both ends: the `terraform_remote_state` data source's own read, as
 * `terraform show -json` reports it in the plan's `prior_state`. A saved plan carries that read and
 * `terraform apply <plan>` does not repeat it (the apply uses exactly those values), so the plan file is the
 * strongest evidence of what the apply would use — stronger than reading the upstream's outputs next to the
 * plan, which could see another moment. At apply time the same data sources are read again in the stack's own
 * working directory (a refresh-only plan targeting only them, thrown away): same configuration, backend and
 * credentials as the stack itself, whoever applied the upstream and when, and no upstream working directory
 * to initialise. `terraform output` in the upstream's directory would need that directory initialised (a fresh
 * deploy checkout has only the stacks it applies), and a copy of the data sources elsewhere would break their
 * relative local-backend paths.
 *
 * Only digests are stored (outputs can be secrets): sha256 over the output's name and its value as canonical JSON.
 * A guessable secret's digest can be guessed too, but the saved plan next to the record holds the value itself.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StackInfo } from "./manifest";
import type { PlanRecord } from "./plan-store";
import { referencedOutputs, remoteStateAddress, waitingUpstreams } from "./remote-state";
import { describeErrors, parseDiagnostics, runTerraform, type TerraformOptions } from "./terraform";

/** Per upstream stack, per output the plan read: `sha256:<hex>` of the value it read. */
export type UpstreamReads = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The part of `terraform show -json <plan>` that holds the data sources' reads. */
interface PlanWithPriorState {
  readonly prior_state?: {
    readonly values?: {
      readonly root_module?: {
        readonly resources?: readonly {
          readonly address?: string;
          readonly mode?: string;
          readonly values?: { readonly outputs?: Readonly<Record<string, unknown>> };
        }[];
      };
    };
  };
}

/** JSON with object keys sorted at every level, so equal values always digest the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function digest(output: string, value: unknown): string {
  return `sha256:${createHash("sha256").update(output).update("\0").update(canonicalJson(value)).digest("hex")}`;
}

/**
 * Digests of the outputs `wanted` names, per upstream, as the plan's `terraform_remote_state` reads hold them. An
 * upstream whose data source the plan did not read (deferred to the apply) is left out: the apply reads it itself.
 */
export function upstreamReadsOf(
  planJson: unknown,
  wanted: ReadonlyMap<string, ReadonlySet<string>>,
): UpstreamReads {
  const resources = (planJson as PlanWithPriorState).prior_state?.values?.root_module?.resources ?? [];
  const reads: Record<string, Record<string, string>> = {};
  for (const [upstream, outputs] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const read = resources.find((r) => r.mode === "data" && r.address === remoteStateAddress(upstream));
    const values = read?.values?.outputs;
    if (!values) continue;
    reads[upstream] = {};
    for (const output of [...outputs].sort())
      if (Object.hasOwn(values, output)) reads[upstream][output] = digest(output, values[output]);
  }
  return reads;
}

/** What the stack's configuration reads from its upstreams (`cdk.tf.json`, the file the plan was made from). */
export function stackReads(stack: StackInfo): Map<string, Set<string>> {
  return referencedOutputs(fs.readFileSync(stack.synthesizedStackPath, "utf8"));
}

export interface UpstreamVerdict {
  readonly status: "refused" | "failed";
  readonly message: string;
}

/** Compares what the plan read with what the upstreams hold now; one sentence per upstream that differs. */
export function compareReads(planned: UpstreamReads, now: UpstreamReads): string[] {
  const differences: string[] = [];
  for (const [upstream, outputs] of Object.entries(planned)) {
    const current = now[upstream] ?? {};
    const changed = Object.keys(outputs).filter(
      (o) => Object.hasOwn(current, o) && current[o] !== outputs[o],
    );
    const gone = Object.keys(outputs).filter((o) => !Object.hasOwn(current, o));
    if (changed.length + gone.length === 0) continue;
    const names = (list: string[]) => list.map((o) => `\`${o}\``).join(", ");
    const parts = [
      ...(changed.length > 0 ? [`changed ${names(changed)}`] : []),
      ...(gone.length > 0 ? [`no longer has ${names(gone)}`] : []),
    ];
    differences.push(`upstream \`${upstream}\` ${parts.join(" and ")}`);
  }
  return differences;
}

const replan = (stack: string) =>
  `Plan it again (\`npm run plan -- '${stack}'\`), review the new plan and apply that one.`;

/**
 * Before `terraform apply <plan>` of a stack (initialised, with the apply's credentials): undefined when every
 * upstream output its plan read still has the value it read, else why the plan must not be applied.
 */
export async function checkUpstreamReads(
  stack: StackInfo,
  record: PlanRecord,
  terraform: TerraformOptions | undefined,
): Promise<UpstreamVerdict | undefined> {
  // A refresh-only plan changes nothing the upstream values feed: it only records what is there.
  if (record.refreshOnly || stackReads(stack).size === 0) return undefined;
  if (!record.upstreamReads) {
    return {
      status: "refused",
      message:
        "the plan does not record the upstream outputs it read (it was made by an older version of the " +
        `pipeline), so it cannot be checked against its upstreams now. ${replan(stack.name)}`,
    };
  }
  const upstreams = Object.keys(record.upstreamReads);
  if (upstreams.length === 0) return undefined;

  // The saved plan of this read holds the upstreams' outputs in clear: a private directory, removed at once.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-read-"));
  try {
    const planFile = path.join(scratch, "upstream-read.tfplan");
    const read = await runTerraform(
      [
        "plan",
        "-refresh-only",
        "-input=false",
        "-json",
        "-lock-timeout=300s",
        ...upstreams.map((u) => `-target=${remoteStateAddress(u)}`),
        `-out=${planFile}`,
      ],
      stack.workingDirectory,
      terraform,
    );
    if (read.exitCode !== 0) {
      const missing = waitingUpstreams(parseDiagnostics(read.stdout));
      if (missing) {
        return {
          status: "refused",
          message:
            `the state of ${missing.map((u) => `\`${u}\``).join(", ")}, which the plan read, cannot be found ` +
            `now. ${replan(stack.name)}\n${describeErrors(read)}`,
        };
      }
      return {
        status: "failed",
        message: `could not read the upstream outputs the plan used:\n${describeErrors(read)}`,
      };
    }
    const show = await runTerraform(
      ["show", "-json", "-no-color", planFile],
      stack.workingDirectory,
      terraform,
    );
    if (show.exitCode !== 0)
      return {
        status: "failed",
        message: `terraform show of the upstream read failed:\n${describeErrors(show)}`,
      };
    const wanted = new Map(
      Object.entries(record.upstreamReads).map(([u, o]) => [u, new Set(Object.keys(o))]),
    );
    const differences = compareReads(record.upstreamReads, upstreamReadsOf(JSON.parse(show.stdout), wanted));
    if (differences.length === 0) return undefined;
    return {
      status: "refused",
      message:
        `since ${stack.name} was planned, ${differences.join("; ")}: its saved plan would apply the values ` +
        `it read then. ${replan(stack.name)}`,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
