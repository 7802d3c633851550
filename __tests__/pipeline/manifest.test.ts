/** Stack discovery and ordering from cdktf's manifest.json, and the classification of "waiting" plan errors. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ManifestError, UsageError } from "../../pipeline/errors";
import {
  dependantsOf,
  globToRegExp,
  orderByDependencies,
  readStacks,
  selectStacks,
  type StackInfo,
} from "../../pipeline/manifest";
import { referencedOutputs, waitingUpstreams } from "../../pipeline/remote-state";

const info = (name: string, dependencies: string[] = []): StackInfo => ({
  name,
  workingDirectory: `/w/${name}`,
  synthesizedStackPath: `/w/${name}/cdk.tf.json`,
  dependencies,
});

describe("manifest", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifest-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (doc: unknown) => fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(doc));
  const entry = (name: string, dependencies: string[] = []) => ({
    name,
    constructPath: name,
    workingDirectory: `stacks/${name}`,
    synthesizedStackPath: `stacks/${name}/cdk.tf.json`,
    dependencies,
  });

  test("stacks come out upstream first, ties by name, with absolute paths", () => {
    write({
      version: "0.21.0",
      stacks: {
        "b-dev-api": entry("b-dev-api", ["b-dev-data", "b-dev-network"]),
        "b-dev-edge": entry("b-dev-edge", ["b-dev-api", "b-dev-data"]),
        "b-dev-data": entry("b-dev-data", ["b-dev-network"]),
        "b-dev-network": entry("b-dev-network"),
        "b-state-bootstrap": entry("b-state-bootstrap"),
      },
    });
    const stacks = readStacks(dir);
    expect(stacks.map((s) => s.name)).toEqual([
      "b-dev-network",
      "b-state-bootstrap",
      "b-dev-data",
      "b-dev-api",
      "b-dev-edge",
    ]);
    expect(stacks[0].workingDirectory).toBe(path.join(dir, "stacks", "b-dev-network"));
    expect(stacks[0].synthesizedStackPath).toBe(path.join(dir, "stacks", "b-dev-network", "cdk.tf.json"));
  });

  test("a missing or foreign manifest, an unknown dependency and a cycle are explained", () => {
    expect(() => readStacks(dir)).toThrow(
      `${path.join(dir, "manifest.json")} does not exist: run \`npx cdktf synth\``,
    );
    write({ hello: 1 });
    expect(() => readStacks(dir)).toThrow(ManifestError);
    expect(() => readStacks(dir)).toThrow('has no "stacks" object');
    write({ stacks: { a: entry("a", ["ghost"]) } });
    expect(() => readStacks(dir)).toThrow("stack a depends on unknown stack ghost");
    expect(() => orderByDependencies([info("a", ["b"]), info("b", ["a"]), info("c")])).toThrow(
      "Stack dependency cycle between: a, b",
    );
  });

  test("globs select like cdktf deploy and keep the dependency order", () => {
    const stacks = [info("m-dev-network"), info("m-prod-network"), info("m-dev-data", ["m-dev-network"])];
    expect(selectStacks(stacks, ["m-dev-*"]).map((s) => s.name)).toEqual(["m-dev-network", "m-dev-data"]);
    expect(selectStacks(stacks, []).length).toBe(3);
    expect(globToRegExp("a.b?*").test("a.bc-anything")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(() => selectStacks(stacks, ["m-dev-*", "m-test-*"])).toThrow(UsageError);
    expect(() => selectStacks(stacks, ["m-test-*"])).toThrow('No stack matches "m-test-*"');
  });

  test("dependants are found through intermediate stacks", () => {
    const stacks = [info("n"), info("d", ["n"]), info("a", ["d"]), info("x")];
    expect([...dependantsOf(stacks, "n")].sort()).toEqual(["a", "d"]);
    expect(dependantsOf(stacks, "x").size).toBe(0);
  });
});

describe("remote state", () => {
  const ref = (stack: string, output: string) =>
    `\${data.terraform_remote_state.cross-stack-reference-input-${stack}.outputs.${output}}`;

  test("the outputs a stack reads are found per upstream", () => {
    const json = JSON.stringify({
      a: ref("m-dev-network", "vpc_id"),
      b: [ref("m-dev-network", "subnets"), ref("m-dev-data", "table")],
    });
    expect(referencedOutputs(json)).toEqual(
      new Map([
        ["m-dev-network", new Set(["vpc_id", "subnets"])],
        ["m-dev-data", new Set(["table"])],
      ]),
    );
  });

  test("missing remote state and missing outputs mean waiting; any other error does not", () => {
    const missingState = {
      severity: "error" as const,
      summary: "Unable to find remote state",
      detail: "No stored state was found",
      address: "data.terraform_remote_state.cross-stack-reference-input-m-dev-data",
    };
    const missingOutput = {
      severity: "error" as const,
      summary: "Unsupported attribute",
      detail: 'This object does not have an attribute named "x".',
      code: `  "vpc": "${ref("m-dev-network", "x")}"`,
    };
    const other = { severity: "error" as const, summary: "Invalid reference", detail: "" };
    const warning = { severity: "warning" as const, summary: "Deprecated", detail: "" };
    expect(waitingUpstreams([missingState, missingOutput, warning])).toEqual(["m-dev-data", "m-dev-network"]);
    expect(waitingUpstreams([missingState, other])).toBeUndefined();
    expect(waitingUpstreams([{ ...missingOutput, code: '"x": "${var.y}"' }])).toBeUndefined();
    expect(waitingUpstreams([warning])).toBeUndefined();
  });
});
