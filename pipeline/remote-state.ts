/**
 * Cross-stack reads as cdktf writes them: a `terraform_remote_state` data source named
 * `cross-stack-reference-input-<upstream>` and references to `...outputs.<output>`. Knowing them lets the
 * plan runner tell "the upstream has not been applied yet" apart from real errors.
 */
import type { Diagnostic } from "./terraform";

const DATA_SOURCE_PREFIX = "data.terraform_remote_state.cross-stack-reference-input-";

/** The address of the data source through which a stack reads `upstream`'s outputs. */
export function remoteStateAddress(upstream: string): string {
  return `${DATA_SOURCE_PREFIX}${upstream}`;
}
const REFERENCE =
  /data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_.-]+?)\.outputs\.([A-Za-z0-9_-]+)/g;

/** Output names read from each upstream stack, from the synthesized `cdk.tf.json` text. */
export function referencedOutputs(stackJson: string): Map<string, Set<string>> {
  const byUpstream = new Map<string, Set<string>>();
  for (const match of stackJson.matchAll(REFERENCE)) {
    const outputs = byUpstream.get(match[1]) ?? new Set<string>();
    outputs.add(match[2]);
    byUpstream.set(match[1], outputs);
  }
  return byUpstream;
}

/**
 * The upstream stacks a failed plan was waiting on, or undefined when some error has another cause.
 * Two shapes mean "not applied yet": the remote state does not exist ("Unable to find remote state"),
 * or it exists without the output this stack reads ("Unsupported attribute" on `...outputs.<name>`).
 */
export function waitingUpstreams(diagnostics: readonly Diagnostic[]): string[] | undefined {
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length === 0) return undefined;
  const upstreams = new Set<string>();
  for (const error of errors) {
    if (error.address?.startsWith(DATA_SOURCE_PREFIX) && /remote state/i.test(error.summary)) {
      upstreams.add(error.address.slice(DATA_SOURCE_PREFIX.length));
      continue;
    }
    const reference =
      error.summary === "Unsupported attribute" ? [...(error.code ?? "").matchAll(REFERENCE)] : [];
    if (reference.length === 0) return undefined;
    for (const match of reference) upstreams.add(match[1]);
  }
  return [...upstreams].sort();
}
