/**
 * Points every AWS provider of a stack at a local AWS emulator, without touching the synthesized stack: an
 * override file (`emulator_override.tf.json`, merged by Terraform into the provider blocks of the same alias)
 * written into each stack directory of a copy of the synth output.
 */
import * as fs from "fs";
import * as path from "path";

export const OVERRIDE_FILE = "emulator_override.tf.json";

/** Every service the stacks call, by the provider's `endpoints` keys (the same names on the 5.x and 6.x lines). */
const SERVICES = [
  "acm",
  "apigatewayv2",
  "cloudfront",
  "cloudwatch",
  "codedeploy",
  "cognitoidentity",
  "cognitoidp",
  "dynamodb",
  "ec2",
  "elasticache",
  "iam",
  "kms",
  "lambda",
  "logs",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "ses",
  "sesv2",
  "sns",
  "sqs",
  "ssm",
  "sts",
  "wafv2",
] as const;

/** Provider settings against the emulator; each one is there for a reason a trial run taught. */
export function emulatorProviderSettings(endpoint: string): Record<string, unknown> {
  return {
    access_key: "test",
    secret_key: "test",
    // An unimplemented call is retried with back-off for minutes at the default of 25 retries.
    max_retries: 2,
    // The emulator serves STS: with the account id known, ARNs and references come back in their usual form.
    skip_requesting_account_id: false,
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    // The emulator's certificate is self-signed (TLS because our bucket policies deny plain HTTP).
    insecure: true,
    s3_use_path_style: true,
    endpoints: [Object.fromEntries(SERVICES.map((service) => [service, endpoint]))],
  };
}

type ProviderBlock = { alias?: string };

/** Writes the override into every stack directory under `outdir/stacks`; returns the stacks written. */
export function writeEmulatorOverrides(outdir: string, endpoint: string): string[] {
  const stacksDir = path.join(outdir, "stacks");
  const written: string[] = [];
  for (const name of fs.readdirSync(stacksDir).sort()) {
    const stack = JSON.parse(fs.readFileSync(path.join(stacksDir, name, "cdk.tf.json"), "utf8")) as {
      provider?: { aws?: ProviderBlock[] };
    };
    const blocks = stack.provider?.aws ?? [];
    if (blocks.length === 0) continue;
    const settings = emulatorProviderSettings(endpoint);
    const override = {
      provider: { aws: blocks.map((b) => (b.alias ? { alias: b.alias, ...settings } : settings)) },
    };
    fs.writeFileSync(path.join(stacksDir, name, OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
    written.push(name);
  }
  return written;
}
