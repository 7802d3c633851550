/** Tests run TypeScript through esbuild (transpile only); `npm run typecheck` does the type checking. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/__tests__/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/", "/.build/"],
  // .build/cdktn/ holds whole copies of the project (npm run migrate:cdktn): not modules of this one.
  modulePathIgnorePatterns: ["<rootDir>/.build/"],
  moduleFileExtensions: ["ts", "js", "json", "sql", "html", "txt"],
  transform: {
    "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js",
    "^.+\\.(sql|html|txt)$": "<rootDir>/scripts/jest-text-transform.js",
  },
  testTimeout: 60000,
  // One synthesis of the app per configuration for the whole run (__tests__/stacks/synth.ts).
  globalSetup: "<rootDir>/scripts/jest-synth-cache.js",
  globalTeardown: "<rootDir>/scripts/jest-synth-cache-teardown.js",
  // Most suites wait on servers, browsers and Terraform rather than compute: two workers on this 2-core machine
  // (Jest's default would be one) bring `npm test` from ~175 s to ~110 s.
  maxWorkers: 2,
  // Every suite stops what it started in afterAll; should a stop hang anyway, exit after the results instead of
  // keeping CI waiting on the open handle.
  forceExit: true,
};
