/**
 * `npm run check:node24`: the synth and the stack tests (`__tests__/stacks`) under the Node.js major the Lambda
 * runtime runs (24), whatever Node this machine has (20 here). The binary is the official build from npm, fetched
 * and cached in `.build/node-runtime/` as the bundle benchmark does (`bench/lambda-node.ts`); it goes first on
 * `PATH`, so everything the two commands start (cdktf's `node scripts/run-app.mjs`, Jest's workers) runs on it.
 * cdktf-cli 0.21 has no prebuilt terminal module for Node 24: `scripts/node-pty-abi.mjs` compiles one first.
 *
 * Extra arguments go to Jest (e.g. `npm run check:node24 -- __tests__/stacks/api.test.ts`).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { lambdaNode } from "../bench/lambda-node";
import { PROJECT_ROOT } from "../lib/paths";

function main(): number {
  const node = lambdaNode();
  if ("unavailable" in node) {
    console.error(`node24-check: no Node.js of the Lambda runtime's major: ${node.unavailable}`);
    return 1;
  }
  const env = {
    ...process.env,
    PATH: `${path.dirname(node.path)}${path.delimiter}${process.env.PATH ?? ""}`,
  };
  const bin = (pkg: string, file: string) => path.join(PROJECT_ROOT, "node_modules", pkg, file);
  const steps: Array<[string, string[]]> = [
    ["cdktf-cli's terminal module", [path.join(PROJECT_ROOT, "scripts", "node-pty-abi.mjs")]],
    ["synth", [bin("cdktf-cli", "bundle/bin/cdktf"), "synth"]],
    [
      "stack tests",
      [
        bin("jest", "bin/jest.js"),
        ...(process.argv.length > 2 ? process.argv.slice(2) : ["__tests__/stacks"]),
      ],
    ],
  ];
  for (const [name, args] of steps) {
    console.log(`node24-check: ${name} on Node.js ${node.version} (${node.path})`);
    const run = spawnSync(node.path, args, { cwd: PROJECT_ROOT, env, stdio: "inherit" });
    if (run.status !== 0) {
      console.error(`node24-check: ${name} failed on Node.js ${node.version}`);
      return run.status ?? 1;
    }
  }
  console.log(`node24-check: synth and stack tests pass on Node.js ${node.version}`);
  return 0;
}

process.exitCode = main();
