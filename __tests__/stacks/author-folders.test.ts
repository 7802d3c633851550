/**
 * The authors' own folders (lib/author-folders.ts): an identity pool federated with the user pool's app client, and
 * one authenticated role confined by `${cognito-identity.amazonaws.com:sub}` to the identity's two folders.
 */
import { networkKeyReference, only, policy, resources, synthApp } from "./synth";

/** Terraform's escape of a literal `${…}`: what the synthesized JSON holds, and IAM receives as `${…}`. */
const VARIABLE = "$${cognito-identity.amazonaws.com:sub}";
const UPLOADS_ARN =
  "${data.terraform_remote_state.cross-stack-reference-input-myblog-dev-data.outputs.cross-stack-output-aws_s3_bucketuploads_bucket_556152F0arn}";

describe("author folders", () => {
  const app = synthApp();
  const edge = app.stack("myblog-dev-edge");

  it("federates the identity pool with the site's app client only; no unauthenticated or classic-flow identities", () => {
    const pool = only(edge, "aws_cognito_identity_pool");
    expect(pool).toMatchObject({
      identity_pool_name: "myblog_dev_authors",
      allow_unauthenticated_identities: false,
      allow_classic_flow: false,
      cognito_identity_providers: [
        {
          client_id: "${aws_cognito_user_pool_client.author-sign-in_client_066CB9F5.id}",
          provider_name: expect.stringMatching(
            /^cognito-idp\.eu-west-1\.amazonaws\.com\/\$\{data\.terraform_remote_state/,
          ),
          server_side_token_check: true,
        },
      ],
    });
    const attachment = only(edge, "aws_cognito_identity_pool_roles_attachment");
    expect(Object.keys(attachment.roles as object)).toEqual(["authenticated"]);
  });

  it("lets only authenticated identities of this pool assume the role", () => {
    const role = Object.values(resources(edge, "aws_iam_role")).find((r) =>
      String(r.name).endsWith("author-folders"),
    )!;
    expect(role.name).toBe("myblog-dev-eu-west-1-author-folders");
    expect(policy(role.assume_role_policy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "cognito-identity.amazonaws.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "cognito-identity.amazonaws.com:aud":
              "${aws_cognito_identity_pool.author-folders_pool_FF31A0D7.id}",
          },
          "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
        },
      },
    ]);
  });

  it("confines the role to list, read, put and delete under the identity's uploads/ and drafts/ folders", () => {
    const folders = Object.values(resources(edge, "aws_iam_role_policy")).find(
      (p) => p.name === "own-folders",
    )!;
    const statements = policy(folders.policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "ListOwnFolders",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [UPLOADS_ARN],
        Condition: { StringLike: { "s3:prefix": [`uploads/${VARIABLE}/*`, `drafts/${VARIABLE}/*`] } },
      },
      {
        Sid: "ReadWriteDeleteOwnObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`${UPLOADS_ARN}/uploads/${VARIABLE}/*`, `${UPLOADS_ARN}/drafts/${VARIABLE}/*`],
      },
      {
        Sid: "EncryptOwnObjectsThroughS3",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: networkKeyReference(app, "dev"),
        Condition: {
          StringEquals: {
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": UPLOADS_ARN,
          },
        },
      },
    ]);
    // Nothing on the media bucket (thumbnails), no other prefix, no wildcard action.
    expect(JSON.stringify(statements)).not.toMatch(/media|s3:\*|"\*"/);
  });

  it("tells the site where the identity pool and the bucket are, and outputs the pool", () => {
    const config = String(resources(edge, "aws_s3_object")["site-config"].content);
    expect(config).toContain(
      '"folders" = {"identityPoolId" = aws_cognito_identity_pool.author-folders_pool_FF31A0D7.id',
    );
    expect(config).toContain('"region" = "eu-west-1"');
    expect(config).toContain('"loginProvider" = "cognito-idp.eu-west-1.amazonaws.com/');
    expect(Object.keys(edge.output ?? {})).toContain("identity_pool_id");
  });

  it("is absent with an external JWT issuer: no identity pool to federate, the page uploads with presigned POSTs", () => {
    const jwt = synthApp({
      auth: { mode: "jwt", issuer: "https://id.example.com/", audience: ["blog"] },
    }).stack("myblog-dev-edge");
    expect(resources(jwt, "aws_cognito_identity_pool")).toEqual({});
    expect(String(resources(jwt, "aws_s3_object")["site-config"].content)).not.toContain("folders");
  });
});
