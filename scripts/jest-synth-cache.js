// Jest globalSetup (teardown: jest-synth-cache-teardown.js): one directory per test run in which
// __tests__/stacks/synth.ts keeps one synthesis of the app per configuration, shared by every test file and worker
// of the run (workers inherit the variable).
const fs = require("fs");
const os = require("os");
const path = require("path");

const VARIABLE = "STACK_TESTS_SYNTH_CACHE";

module.exports = function setup() {
  process.env[VARIABLE] = fs.mkdtempSync(path.join(os.tmpdir(), "blog-synth-cache-"));
};
module.exports.teardown = function teardown() {
  const dir = process.env[VARIABLE];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
