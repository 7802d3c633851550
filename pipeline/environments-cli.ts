/**
 * npx tsx pipeline/environments-cli.ts [--github-output]
 * The app name and the environments CI plans and deploys, from the validated configuration (blog.config.json,
 * BLOG_* variables), non-production environments first so that a deploy reaches production last.
 * With --github-output it prints `app=…` and `environments=[…]` lines for $GITHUB_OUTPUT.
 */
import { loadConfig } from "../config/load";
import { ConfigError } from "../shared/config-error";
import { PROJECT_ROOT } from "../lib/paths";
import { parseCli, runCli } from "./cli";
import { PipelineError } from "./errors";

function deployOrder(environments: readonly string[], isProduction: (env: string) => boolean): string[] {
  return [...environments.filter((e) => !isProduction(e)), ...environments.filter(isProduction)];
}

runCli(async () => {
  const { values } = parseCli(
    { "github-output": { type: "boolean", default: false } },
    "environments-cli.ts [--github-output]",
  );
  let loaded;
  try {
    loaded = loadConfig({ root: PROJECT_ROOT });
  } catch (error) {
    if (error instanceof ConfigError) throw new PipelineError(error.message);
    throw error;
  }
  const { config } = loaded;
  const environments = deployOrder(
    loaded.environments,
    (env) => config.environments[env]?.production === true,
  );
  if (values["github-output"]) {
    process.stdout.write(`app=${config.appName}\nenvironments=${JSON.stringify(environments)}\n`);
  } else {
    process.stdout.write(`${JSON.stringify({ app: config.appName, environments })}\n`);
  }
  return 0;
});
