/**
 * The release program a stack's release resource runs during `terraform apply` (`cdktf deploy`, `npm run apply`):
 * bundled by the synth into the stack's assets (lib/release.ts), run with the `node` that runs cdktf, so it needs
 * nothing else on the machine. It assumes the role the stack's AWS providers assume (with the same external id and
 * session name), and no other credentials.
 * Exit 0: released or already live; 1: the release failed or rolled back (Terraform fails the apply, and taints the
 * resource so the next apply tries the release again).
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { ROLE_VARIABLE } from "../shared/account-access";
import {
  RELEASE_EXTERNAL_ID_VARIABLE,
  RELEASE_REQUEST_VARIABLE,
  RELEASE_ROLE_VARIABLE,
  RELEASE_SESSION_VARIABLE,
  parseReleaseRequest,
} from "../shared/release-targets";
import { releaseFunction } from "./release";

async function main(env: NodeJS.ProcessEnv): Promise<number> {
  const request = parseReleaseRequest(env[RELEASE_REQUEST_VARIABLE]);
  // The value the providers' role variable has: TF_VAR_… when set ("" for the credentials as they are), else its
  // default. (A `-var` on Terraform's command line is not seen here: set the role through the environment.)
  const roleArn = env[`TF_VAR_${ROLE_VARIABLE}`] ?? env[RELEASE_ROLE_VARIABLE];
  const credentials = roleArn
    ? fromTemporaryCredentials({
        params: {
          RoleArn: roleArn,
          RoleSessionName: env[RELEASE_SESSION_VARIABLE] || "release",
          ...(env[RELEASE_EXTERNAL_ID_VARIABLE] ? { ExternalId: env[RELEASE_EXTERNAL_ID_VARIABLE] } : {}),
        },
        clientConfig: { region: request.region },
      })
    : undefined;
  const clients = {
    codedeploy: new CodeDeployClient({ region: request.region, credentials }),
    lambda: new LambdaClient({ region: request.region, credentials }),
  };
  const pollSeconds = Number(env.BLOG_RELEASE_POLL_SECONDS ?? "10");
  const result = await releaseFunction(request, clients, {
    pollMs: (Number.isFinite(pollSeconds) && pollSeconds > 0 ? pollSeconds : 10) * 1000,
    log: (line) => console.log(line),
  });
  (result.ok ? console.log : console.error)(result.message);
  return result.ok ? 0 : 1;
}

main(process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`release could not run: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
