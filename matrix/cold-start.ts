/**
 * Every function as it ships: the zip each synthesized stack references, unzipped and imported in a fresh Node
 * process with exactly the variables that stack gives it (Terraform references replaced by stand-ins) and what
 * Lambda itself sets. Its top-level code must run and its environment parse, with every network connection refused.
 * `__tests__/stacks/cold-start.test.ts` runs it on the zero-config synth, `npm run matrix` on every example's.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { unzipSync } from "fflate";
import * as fs from "fs";
import * as path from "path";
import { ENTRY_FILE } from "../lib/bundle";

const ACCOUNT = "123456789012";

/** One `aws_lambda_function` of a synthesized stack. */
export interface ShippedFunction {
  readonly stack: string;
  readonly id: string;
  /** `function_name`. */
  readonly name: string;
  /** The stack's region (its default provider's), as Lambda sets AWS_REGION. */
  readonly region: string;
  readonly fn: Record<string, unknown>;
}

type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: { aws?: Array<{ alias?: string; region?: string }> };
};

/** Every function of every stack of a synth output directory, in stack order. */
export function shippedFunctions(outdir: string): ShippedFunction[] {
  const stacksDir = path.join(outdir, "stacks");
  return fs
    .readdirSync(stacksDir)
    .sort()
    .flatMap((stack) => {
      const json = JSON.parse(
        fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8"),
      ) as StackJson;
      const region = json.provider?.aws?.find((p) => p.alias === undefined)?.region ?? "eu-west-1";
      return Object.entries(json.resource?.aws_lambda_function ?? {}).map(([id, fn]) => ({
        stack,
        id,
        name: String(fn.function_name),
        region,
        fn,
      }));
    });
}

/**
 * A plausible value for one Terraform reference (`aws_x.y.name`, or a cross-stack output named after the attribute
 * it carries, `...outputs.cross-stack-output-aws_db_instancepostgresport`), decided by the attribute it reads.
 */
function standIn(reference: string, region: string): string {
  const attribute = reference.toLowerCase();
  // Distinct references get distinct values (two buckets must not look like one).
  const slug = attribute
    .replace(/[^a-z0-9]+/g, "-")
    .slice(-40)
    .replace(/^-+/, "");
  // A value Terraform generates (lib/origin-verification.ts): 64 hex characters, as `replace(uuid()uuid(), "-", "")`.
  if (/^terraform_data\.[^.]+\.output$/.test(attribute))
    return createHash("sha256").update(attribute).digest("hex");
  if (/arn$/.test(attribute)) return `arn:aws:standin:${region}:${ACCOUNT}:${slug}`;
  if (/port$/.test(attribute)) return "6379";
  if (/url$/.test(attribute)) return `https://${slug}.example.com`;
  if (/(address|endpoint|host|domain_name)$/.test(attribute)) return `${slug}.cold-start.invalid`;
  if (/(name|id|bucket)$/.test(attribute)) return slug;
  throw new Error(`No stand-in for \${${reference}}: add one for this attribute (matrix/cold-start.ts)`);
}

/** The synthesized variables with every `${...}` reference replaced by its stand-in. */
function standIns(variables: Record<string, string>, region: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      key,
      value.replace(/\$\{([^}]+)\}/g, (_match, reference: string) => standIn(reference, region)),
    ]),
  );
}

/** What Lambda sets in every function's environment (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). */
function lambdaVariables({ fn, name, region }: ShippedFunction, taskRoot: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${String(fn.runtime)}`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memory_size),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    AWS_LAMBDA_LOG_FORMAT: "JSON",
    AWS_ACCESS_KEY_ID: "ASIAEXAMPLEEXAMPLE00",
    AWS_SECRET_ACCESS_KEY: "cold-start-test-secret-access-key-000000",
    AWS_SESSION_TOKEN: "cold-start-test-session-token",
    AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: "/var/runtime",
    _HANDLER: String(fn.handler),
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    PATH: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
  };
}

/**
 * Imports the entry module as Lambda's Node runtime does and reports whether `handler` is a function. Every socket
 * connection fails (there is no network to count on at init); errors surfacing shortly after the import count too.
 */
const PROBE = `
const net = require("net");
const { pathToFileURL } = require("url");
const attempts = [];
net.Socket.prototype.connect = function (options) {
  attempts.push(typeof options === "object" ? String(options.host ?? options.path) : String(options));
  process.nextTick(() => this.destroy(Object.assign(new Error("no network at init"), { code: "ENETUNREACH" })));
  return this;
};
const fail = (error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
import(pathToFileURL(process.argv[1]).href).then((mod) => {
  if (typeof mod.handler !== "function") fail(new Error("the module exports no handler function"));
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ attempts }));
    process.exit(0);
  }, 200);
}, fail);
`;

export interface ColdStart {
  readonly ok: boolean;
  /** Why it failed: the module's error output, or what the handler setting or the zip lacks. */
  readonly error?: string;
}

/** Unzips `shipped`'s code below `workDir` and imports its entry with the stack's environment, as Lambda would. */
export function coldStart(outdir: string, shipped: ShippedFunction, workDir: string): ColdStart {
  const { stack, id, fn } = shipped;
  if (fn.handler !== "index.handler") return { ok: false, error: `handler is ${String(fn.handler)}` };
  const zip = path.join(outdir, "stacks", stack, String(fn.filename));
  const taskRoot = path.join(workDir, stack, id);
  for (const [file, bytes] of Object.entries(unzipSync(fs.readFileSync(zip)))) {
    fs.mkdirSync(path.dirname(path.join(taskRoot, file)), { recursive: true });
    fs.writeFileSync(path.join(taskRoot, file), bytes);
  }
  const variables = (fn.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
  const env = { ...lambdaVariables(shipped, taskRoot), ...standIns(variables, shipped.region) };
  const run = spawnSync(process.execPath, ["-e", PROBE, path.join(taskRoot, ENTRY_FILE)], {
    cwd: taskRoot,
    env,
    encoding: "utf8",
    timeout: 20_000,
  });
  if (run.status === 0) return { ok: true };
  return { ok: false, error: run.stderr || `exit ${String(run.status ?? run.signal)}` };
}
