/**
 * Reads the configuration once: defaults ← `blog.config.json` (or the file named by BLOG_CONFIG) ←
 * environment variables that CI sets. Every problem is collected and reported together, naming its key.
 */
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import { ConfigError, type ConfigProblem } from "../shared/config-error";
import {
  DEVELOPMENT_PRESET,
  HCP_BACKEND_DEFAULTS,
  PRODUCTION_NAMES,
  PRODUCTION_PRESET,
  S3_BACKEND_DEFAULTS,
  TOP_LEVEL_DEFAULTS,
} from "./defaults";
import { UNKNOWN_KEY, configErrorMap } from "./messages";
import { alarmRecipientProblems, configSchema, type BlogConfig } from "./schema";

export const DEFAULT_CONFIG_FILE = "blog.config.json";

/** All the configuration's problems in one ConfigError, one line each under its key. */
function invalidConfiguration(problems: readonly ConfigProblem[]): ConfigError {
  return new ConfigError(
    `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
      problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    problems,
  );
}

export interface LoadedConfig {
  readonly config: BlogConfig;
  /** Environments to synthesize: all of them unless BLOG_ENVIRONMENTS narrows the list. */
  readonly environments: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars from `override` replace those of `base`. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/** The variables CI may set, and the configuration key each one overrides. */
export const ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = {
  BLOG_APP_NAME: "appName",
  BLOG_REGION: "region",
  BLOG_HOME_REGION: "homeRegion",
  BLOG_BACKEND: "backend.type",
  BLOG_STATE_BUCKET: "backend.bucket",
  BLOG_STATE_REGION: "backend.region",
  BLOG_STATE_KEY_PREFIX: "backend.keyPrefix",
  BLOG_STATE_LOCK_TABLE: "backend.dynamodbTable",
  BLOG_STATE_KMS_KEY_ID: "backend.kmsKeyId",
  BLOG_HCP_ORGANIZATION: "backend.organization",
  BLOG_HCP_HOSTNAME: "backend.hostname",
  BLOG_HCP_WORKSPACE_PREFIX: "backend.workspacePrefix",
  BLOG_SES_SENDER: "ses.sender",
};

function readFile(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw invalidConfiguration([
      { key: "BLOG_CONFIG", message: `cannot read ${file}: ${(error as Error).message}` },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidConfiguration([{ key: file, message: `is not valid JSON: ${(error as Error).message}` }]);
  }
  if (!isObject(parsed)) throw invalidConfiguration([{ key: file, message: "must hold a JSON object" }]);
  return parsed;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Json {
  let overrides: Json = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    const nested = key
      .split(".")
      .reverse()
      .reduce<unknown>((inner, part) => ({ [part]: inner }), value);
    overrides = deepMerge(overrides, nested) as Json;
  }
  return overrides;
}

/** Fills backend defaults that depend on the backend type and on the rest of the configuration. */
function backendWithDefaults(backend: Json, raw: Json): Json {
  switch (backend.type) {
    case "s3":
      return { ...S3_BACKEND_DEFAULTS, region: raw.region, keyPrefix: raw.appName, ...backend };
    case "hcp":
      return { ...HCP_BACKEND_DEFAULTS, ...backend };
    default:
      return backend;
  }
}

function withBackendDefaults(raw: Json): Json {
  return isObject(raw.backend) ? { ...raw, backend: backendWithDefaults(raw.backend, raw) } : raw;
}

/**
 * An environment's own `backend` (its account's state bucket) is merged over the top level's when both are of the
 * same type, and stands alone otherwise. Environments without one keep using the top level's as it is.
 */
function withEnvironmentBackends(raw: Json): Json {
  if (!isObject(raw.environments) || !isObject(raw.backend)) return raw;
  const top = raw.backend;
  const environments: Json = {};
  for (const [name, envRaw] of Object.entries(raw.environments)) {
    if (!isObject(envRaw) || !isObject(envRaw.backend)) {
      environments[name] = envRaw;
      continue;
    }
    const own = envRaw.backend;
    const merged = (own.type ?? top.type) === top.type ? (deepMerge(top, own) as Json) : own;
    environments[name] = { ...envRaw, backend: backendWithDefaults(merged, raw) };
  }
  return { ...raw, environments };
}

/** Each environment starts from the preset its `production` flag selects. */
function withEnvironmentPresets(raw: Json): Json {
  if (!isObject(raw.environments)) return raw;
  const environments: Json = {};
  for (const [name, envRaw] of Object.entries(raw.environments)) {
    if (!isObject(envRaw)) {
      environments[name] = envRaw;
      continue;
    }
    const production =
      typeof envRaw.production === "boolean" ? envRaw.production : PRODUCTION_NAMES.includes(name);
    const preset = production ? PRODUCTION_PRESET : DEVELOPMENT_PRESET;
    environments[name] = deepMerge({ ...preset, production }, envRaw);
  }
  return { ...raw, environments };
}

export interface LoadOptions {
  /** Project root, where `blog.config.json` is looked for. */
  readonly root: string;
  readonly env?: NodeJS.ProcessEnv;
  /** A configuration object to use instead of the file (tests). */
  readonly overrides?: Json;
}

export function loadConfig({ root, env = process.env, overrides }: LoadOptions): LoadedConfig {
  const explicitFile = env.BLOG_CONFIG;
  const file = explicitFile ? path.resolve(root, explicitFile) : path.join(root, DEFAULT_CONFIG_FILE);
  const fromFile = explicitFile || fs.existsSync(file) ? readFile(file) : {};

  // Environments defined in the file (or by a caller) replace the default dev/prod pair, not add to it.
  const definesEnvironments = isObject(fromFile.environments) || isObject(overrides?.environments);
  const base = definesEnvironments ? { ...TOP_LEVEL_DEFAULTS, environments: {} } : TOP_LEVEL_DEFAULTS;
  const layered = [fromFile, overrides ?? {}, fromEnvironment(env)].reduce<unknown>(
    (acc, layer) => deepMerge(acc, layer),
    base,
  ) as Json;
  const raw = withEnvironmentBackends(withEnvironmentPresets(withBackendDefaults(layered)));

  const result = configSchema.safeParse(raw, { error: configErrorMap });
  // Only environments someone declared must name who gets their alarms: the zero-config pair must synthesize.
  const unheard = definesEnvironments
    ? alarmRecipientProblems(raw.environments).map((p) => ({ key: p.path.join("."), message: p.message }))
    : [];
  if (!result.success || unheard.length > 0)
    throw invalidConfiguration([
      ...(result.success ? [] : result.error.issues.flatMap(toProblems)),
      ...unheard,
    ]);
  const config = result.data;
  return { config, environments: selectEnvironments(config, env.BLOG_ENVIRONMENTS) };
}

/** One problem per issue, and one per unknown key, each under its own dotted key. */
function toProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  const key = (path: readonly PropertyKey[]) =>
    path.length > 0 ? path.map(String).join(".") : "(top level)";
  if (issue.code === "unrecognized_keys" && issue.message.startsWith(UNKNOWN_KEY))
    return issue.keys.map((unknown) => ({ key: key([...issue.path, unknown]), message: issue.message }));
  return [{ key: key(issue.path), message: issue.message }];
}

function selectEnvironments(config: BlogConfig, selection: string | undefined): string[] {
  const all = Object.keys(config.environments);
  if (!selection) return all;
  const wanted = selection
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    throw invalidConfiguration([
      {
        key: "BLOG_ENVIRONMENTS",
        message: `unknown environment(s) ${unknown.join(", ")}; allowed: ${all.join(", ")}`,
      },
    ]);
  }
  return wanted;
}
