// One linter for the whole repository: typescript-eslint's recommended rules, type-aware where it pays.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", ".build/", "**/dist/", "coverage/", ".venv/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", __dirname: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message:
                "Import provider classes by deep path (@cdktf/provider-aws/lib/<resource>): the root costs seconds.",
            },
          ],
        },
      ],
    },
  },
  {
    // The few CommonJS files: Jest and dependency-cruiser load their configs, and Jest its transforms, with require().
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // CloudFront Functions code: a plain script whose top-level handler CloudFront calls.
    files: ["edge/**/*.js"],
    languageOptions: { sourceType: "script", globals: {} },
    rules: { "@typescript-eslint/no-unused-vars": ["error", { varsIgnorePattern: "^handler$" }] },
  },
  {
    // Tests read synthesized JSON of arbitrary shape.
    files: ["__tests__/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
