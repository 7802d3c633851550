/**
 * Origin protection as synthesized (the API origin sends the generated value, the origin request policy forwards the
 * reader's address, the API function gets both slots, nothing secret is a literal), and its rotation driven through
 * real Terraform: stable across plans, a generation bump regenerates only the slot CloudFront does not send, and the
 * API accepts what the edge sends before and after each switch.
 */
import { spawnSync } from "child_process";
import { App, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toApiRequest } from "../../handlers/api/http";
import { createOriginGuard } from "../../handlers/api/origin";
import { OriginVerification, slotGeneration } from "../../lib/origin-verification";
import { ACCEPT_UNVERIFIED_UNTIL_KEY } from "../../shared/origin-verification";
import { only, resources, synthApp, type TerraformJson } from "./synth";

/** The stack's two origin-verification slots, among its other `terraform_data` (release resources). */
const slotsOf = (stack: TerraformJson) =>
  Object.fromEntries(
    Object.entries(resources(stack, "terraform_data")).filter(([id]) => id.startsWith("origin-verify_")),
  );

const SLOT_INPUT = '${sensitive(replace(join("", [uuid(), uuid()]), "-", ""))}';

describe.each(["dev", "prod"])("origin verification in %s", (env) => {
  const app = synthApp();
  const api = app.stack(`myblog-${env}-api`);
  const edge = app.stack(`myblog-${env}-edge`);
  const functions = resources(api, "aws_lambda_function");
  const apiFn = Object.values(functions).find((fn) => fn.function_name === `myblog-${env}-api`)!;
  const variables = (apiFn.environment as { variables: Record<string, string> }).variables;

  it("generates two slots with Terraform's built-ins, sensitive, kept once created", () => {
    const slots = slotsOf(api);
    expect(Object.values(slots)).toHaveLength(2);
    for (const slot of Object.values(slots)) {
      expect(slot).toMatchObject({ input: SLOT_INPUT, lifecycle: { ignore_changes: ["input"] } });
    }
    expect(Object.values(slots).map((slot) => slot.triggers_replace)).toEqual([0, -1]);
    // No provider but the AWS one (the built-in `terraform` provider needs none).
    expect(Object.keys((api.terraform as { required_providers: object }).required_providers)).toEqual([
      "aws",
    ]);
  });

  it("gives the API function both slots and the release hook neither", () => {
    const slots = Object.keys(slotsOf(api));
    expect(variables.ORIGIN_VERIFY_SECRETS).toBe(
      slots.map((name) => `\${terraform_data.${name}.output}`).join(","),
    );
    for (const fn of Object.values(functions)) {
      if (fn === apiFn) continue;
      const other = (fn.environment as { variables: Record<string, string> }).variables;
      expect(Object.values(other).join(" ")).not.toMatch(/terraform_data/);
    }
  });

  it("gives the API function the enforce mode by default, with no transition end date", () => {
    expect(variables.ORIGIN_VERIFY_MODE).toBe("enforce");
    expect(JSON.stringify(apiFn.tags ?? {})).not.toContain(ACCEPT_UNVERIFIED_UNTIL_KEY);
  });

  it("hands the active slot to the edge only through a sensitive output", () => {
    const outputs = Object.values(
      api.output as Record<string, { value: string; sensitive?: boolean }>,
    ).filter((output) => output.value.includes("terraform_data"));
    expect(outputs).toEqual([
      { value: expect.stringMatching(/^\$\{terraform_data\.[^.]+\.output\}$/), sensitive: true },
    ]);
    const active = outputs[0].value.replace(/^\$\{|\}$/g, "");
    expect(active).toBe(`terraform_data.${Object.keys(slotsOf(api))[0]}.output`);
  });

  it("makes CloudFront send the value to the API origin, and forward the reader's address", () => {
    const cdn = only(edge, "aws_cloudfront_distribution") as { origin: Array<Record<string, unknown>> };
    const origin = cdn.origin.find((o) => o.origin_id === "api")!;
    expect(origin.custom_header).toEqual([
      {
        name: "x-origin-verify",
        value: expect.stringMatching(
          /^\$\{data\.terraform_remote_state\.[^}]+\.outputs\.cross-stack-output-terraform_data[^}]+\}$/,
        ),
      },
    ]);
    for (const other of cdn.origin.filter((o) => o.origin_id !== "api"))
      expect(other.custom_header).toBeUndefined();
    const policies = Object.values(resources(edge, "aws_cloudfront_origin_request_policy"));
    const apiPolicy = policies.find((p) => String(p.name).includes("api-origin-request"))!;
    const headers = (apiPolicy.headers_config as { headers: { items: string[] } }).headers.items;
    expect(headers).toContain("CloudFront-Viewer-Address");
    expect(headers).not.toContain("x-origin-verify");
  });

  it("writes no secret as a literal: every value of the header or the variable is a Terraform reference", () => {
    const strings = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : value && typeof value === "object"
          ? Object.values(value).flatMap(strings)
          : [];
    for (const stack of [api, edge] as TerraformJson[]) {
      // A value as the slots hold it (48 hex characters or more) is nowhere in the synthesized JSON.
      const long = strings(stack).filter((s) => /[0-9a-f]{48,}/i.test(s));
      expect(long).toEqual([]);
    }
  });
});

describe("the first rollout to a running environment (api.originVerification)", () => {
  it("gives the API function accept-unverified, and tags it with the end date for the rule pack", () => {
    const app = synthApp({
      environments: {
        prod: {
          allowAnyAccount: true,
          alarmEmails: ["ops@example.com"],
          api: { originVerification: "accept-unverified", acceptUnverifiedUntil: "2027-01-15" },
        },
      },
    });
    const api = app.stack("myblog-prod-api");
    const fn = Object.values(resources(api, "aws_lambda_function")).find(
      (f) => f.function_name === "myblog-prod-api",
    )!;
    expect((fn.environment as { variables: Record<string, string> }).variables.ORIGIN_VERIFY_MODE).toBe(
      "accept-unverified",
    );
    expect((fn.tags as Record<string, unknown>)[ACCEPT_UNVERIFIED_UNTIL_KEY]).toBe("2027-01-15");
  });
});

describe("rotation through real Terraform", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "origin-verify-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const terraform = (stackDir: string, ...args: string[]) => {
    const run = spawnSync("terraform", [...args, "-no-color"], {
      cwd: stackDir,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
    });
    return run;
  };

  /** Synthesizes the slots at `generation`, applies them and reads what the API accepts and the edge sends. */
  function applyGeneration(generation: number): {
    accepted: string[];
    active: string;
    unchangedPlan: boolean;
  } {
    const app = new App({ outdir: path.join(dir, "out") });
    const stack = new TerraformStack(app, "slots");
    new LocalBackend(stack, { path: path.join(dir, "slots.tfstate") });
    const slots = new OriginVerification(stack, "origin-verify", { generation });
    new TerraformOutput(stack, "accepted", { value: slots.acceptedValues, sensitive: true });
    new TerraformOutput(stack, "active", { value: slots.activeValue, sensitive: true });
    app.synth();
    const stackDir = path.join(dir, "out", "stacks", "slots");
    for (const args of [
      ["init", "-input=false"],
      ["apply", "-auto-approve", "-input=false"],
    ]) {
      const run = terraform(stackDir, ...args);
      if (run.status !== 0) throw new Error(`terraform ${args[0]}: ${run.stderr}${run.stdout}`);
    }
    const plan = terraform(stackDir, "plan", "-detailed-exitcode", "-input=false");
    const outputs = JSON.parse(terraform(stackDir, "output", "-json").stdout) as Record<
      string,
      { value: string }
    >;
    return {
      accepted: outputs.accepted.value.split(","),
      active: outputs.active.value,
      unchangedPlan: plan.status === 0,
    };
  }

  it("slot s holds the largest generation k ≤ N with k % 2 = s", () => {
    expect([0, 1, 2, 3, 4].map((n) => [slotGeneration(0, n), slotGeneration(1, n)])).toEqual([
      [0, -1],
      [0, 1],
      [2, 1],
      [2, 3],
      [4, 3],
    ]);
  });

  it("keeps the value across plans, and each bump drops no request", () => {
    const admits = (accepted: string[], presented: string) => {
      const event = { rawPath: "/api/posts", headers: { "x-origin-verify": presented } };
      try {
        createOriginGuard(accepted).admit(toApiRequest(event, "r"), event);
        return true;
      } catch {
        return false;
      }
    };
    const first = applyGeneration(0);
    expect(first.active).toMatch(/^[0-9a-f]{64}$/);
    expect(first.unchangedPlan).toBe(true);
    const again = applyGeneration(0);
    expect(again).toEqual(first);

    let previous = first;
    for (const generation of [1, 2, 3]) {
      // The api stack is applied first: its API accepts what CloudFront still sends and what it will send.
      const next = applyGeneration(generation);
      expect(next.unchangedPlan).toBe(true);
      expect(next.active).not.toBe(previous.active);
      expect(next.accepted).toContain(previous.active);
      expect(admits(next.accepted, previous.active)).toBe(true); // before the edge's apply
      expect(admits(next.accepted, next.active)).toBe(true); // after it
      expect(admits(next.accepted, randomBytes(32).toString("hex"))).toBe(false);
      // Only the slot CloudFront did not send was regenerated.
      expect(next.accepted.filter((v) => previous.accepted.includes(v))).toEqual([previous.active]);
      previous = next;
    }
  });
});
