// Minimal jest transformer: esbuild strips the types, tsc checks them separately (npm run typecheck).
const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node20",
      // Jest runs CommonJS without a loader for ES modules: `import("pkg")` becomes a `require` (Lambda bundles
      // keep real dynamic imports, see lib/bundle.ts).
      supported: { "dynamic-import": false },
      sourcemap: "inline",
      sourcefile: filename,
    });
    return { code, map };
  },
};
