/**
 * The parts of Terraform's JSON plan representation (`terraform show -json <plan>`, format 1.x) that the
 * summary reads. Its own module so that the analysis and the callouts both depend on it, not on each other.
 */
export interface TerraformPlanJson {
  readonly format_version?: string;
  readonly resource_changes?: readonly RawResourceChange[];
  readonly resource_drift?: readonly RawResourceChange[];
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
  readonly errored?: boolean;
}

export interface RawResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly mode?: "managed" | "data";
  readonly type: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly after_unknown?: unknown;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
    readonly importing?: unknown;
  };
}
