/** Tests run TypeScript through esbuild (transpile only); `npm run typecheck` does the type checking. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/__tests__/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/", "/.build/"],
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js" },
  testTimeout: 60000,
};
