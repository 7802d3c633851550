/**
 * Resource-address stability: the committed `addresses.lock.json` must still describe the real app, and the
 * check itself is shown to catch a rename (and accept it once a `moved` block keeps the resource) on the
 * pipeline fixture app, whose moved block real Terraform also honours (see terraform-pipeline.test.ts).
 */
import * as path from "path";
import {
  LOCK_FILE_NAME,
  buildLock,
  checkLockFile,
  compareWithLock,
  explainProblems,
  formatLock,
  parseLock,
  synthesizedAddresses,
} from "../pipeline/address-lock";
import { AddressLockError } from "../pipeline/errors";
import { FixtureWorkspace } from "./pipeline/fixture-app/workspace";
import { synthApp, type Synthesized } from "./stacks/synth";

const ROOT = path.resolve(__dirname, "..");

describe("the committed lock", () => {
  // In process, as the stack tests synthesize the app, with no BLOG_* variables: the committed configuration.
  let app: Synthesized;
  beforeAll(() => {
    app = synthApp({}, {});
  }, 120_000);

  test("every locked resource address of the app still exists (or is moved), and every address is locked", () => {
    const explanation = checkLockFile(path.join(ROOT, LOCK_FILE_NAME), synthesizedAddresses(app.outdir));
    if (explanation) throw new Error(`${LOCK_FILE_NAME} does not match the app.\n\n${explanation}`);
  });
});

describe("the check on the fixture app", () => {
  let ws: FixtureWorkspace;
  beforeAll(() => {
    ws = new FixtureWorkspace();
    ws.synth();
  });
  afterAll(() => ws.dispose());

  const lockOfOriginal = () => parseLock(formatLock(buildLock(synthesizedAddresses(ws.outdir))), "lock");

  test("the lock lists every resource and data address per stack, sorted", () => {
    expect(lockOfOriginal().stacks).toEqual({
      "fx-api": [
        "data.terraform_remote_state.cross-stack-reference-input-fx-data",
        "data.terraform_remote_state.cross-stack-reference-input-fx-network",
        "terraform_data.api_function",
        "terraform_data.cache_warmer",
      ],
      "fx-data": [
        "data.terraform_remote_state.cross-stack-reference-input-fx-network",
        "terraform_data.database",
      ],
      "fx-network": ["terraform_data.flow_logs", "terraform_data.vpc"],
    });
  });

  test("a rename fails and the message explains moved blocks, imports and updating the lock", () => {
    const lock = lockOfOriginal();
    ws.synth({ functionId: "renamed" });
    const problems = compareWithLock(lock, synthesizedAddresses(ws.outdir));
    expect(problems).toEqual([
      { stack: "fx-api", address: "terraform_data.api_function", kind: "missing" },
      { stack: "fx-api", address: "terraform_data.api_handler", kind: "new" },
    ]);
    const message = explainProblems(problems);
    expect(message).toContain("Terraform would DESTROY these resources");
    expect(message).toContain("  - fx-api: terraform_data.api_function");
    expect(message).toContain('newResource.moveFromId("<type>.<old name>")');
    expect(message).toContain("importFrom");
    expect(message).toContain("npm run addresses:update");
  });

  test("the same rename passes with a moved block from the old address", () => {
    const lock = lockOfOriginal();
    ws.synth({ functionId: "moved" });
    expect(compareWithLock(lock, synthesizedAddresses(ws.outdir))).toEqual([]);
  });

  test("a removed resource and a removed stack fail; a moved block to a missing address fails", () => {
    ws.synth();
    const lock = lockOfOriginal();
    ws.synth({ withCacheWarmer: false });
    const current = synthesizedAddresses(ws.outdir);
    expect(compareWithLock(lock, current)).toEqual([
      { stack: "fx-api", address: "terraform_data.cache_warmer", kind: "missing" },
    ]);

    const withGhostStack = { volatile: [], stacks: { ...lock.stacks, "fx-edge": ["terraform_data.cdn"] } };
    expect(compareWithLock(withGhostStack, current)).toContainEqual({
      stack: "fx-edge",
      address: "1 addresses",
      kind: "stack-missing",
    });

    // Addresses meant to come and go (volatile globs, kept in the lock) are neither locked nor reported.
    const volatileLock = buildLock(synthesizedAddresses(ws.outdir), ["terraform_data.cache_*"]);
    expect(volatileLock.stacks["fx-api"]).not.toContain("terraform_data.cache_warmer");
    expect(compareWithLock({ ...lock, volatile: ["terraform_data.cache_*"] }, current)).toEqual([]);

    const api = current.get("fx-api")!;
    // An explicit `removed` block (added with an escape hatch) is a decision, not an accident.
    const removedOnPurpose = new Map(current).set("fx-api", {
      ...api,
      removed: new Set(["terraform_data.cache_warmer"]),
    });
    expect(compareWithLock(lock, removedOnPurpose)).toEqual([]);

    const movedNowhere = new Map(current).set("fx-api", {
      ...api,
      moved: new Map([["terraform_data.cache_warmer", "terraform_data.gone"]]),
    });
    expect(compareWithLock(lock, movedNowhere)).toEqual([
      {
        stack: "fx-api",
        address: "terraform_data.cache_warmer → terraform_data.gone",
        kind: "moved-to-nowhere",
      },
    ]);
  });

  test("a vanished data source is explained as harmless but still needs the lock updated", () => {
    const message = explainProblems([
      {
        stack: "fx-api",
        address: "data.terraform_remote_state.cross-stack-reference-input-fx-data",
        kind: "missing",
      },
    ]);
    expect(message).toContain(
      "1 data source(s) disappeared. Data sources only read, so nothing is destroyed",
    );
    expect(message).not.toContain("DESTROY");
  });

  test("a malformed lock is refused with the way to regenerate it", () => {
    expect(() => parseLock("{", "addresses.lock.json")).toThrow(AddressLockError);
    expect(() => parseLock("{", "addresses.lock.json")).toThrow(/not valid JSON .*npm run addresses:update/);
    expect(() => parseLock('{"stacks":{"a":[1]}}', "x")).toThrow(
      "x: stacks.a must be an array of address strings",
    );
    expect(() => parseLock('{"stacks":{}}', "x")).toThrow("x lists no stacks");
    expect(() => parseLock('{"volatile":"*","stacks":{"a":[]}}', "x")).toThrow(
      'x: "volatile" must be an array of address globs',
    );
  });
});
