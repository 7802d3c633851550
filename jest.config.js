/** Tests run TypeScript through esbuild (transpile only); `npm run typecheck` does the type checking. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/__tests__/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/", "/.build/"],
  moduleFileExtensions: ["ts", "js", "json", "sql", "html", "txt"],
  transform: {
    "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js",
    "^.+\\.(sql|html|txt)$": "<rootDir>/scripts/jest-text-transform.js",
  },
  testTimeout: 60000,
};
