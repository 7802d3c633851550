/**
 * Each author's own folders in the uploads bucket, reached straight from the browser (seed 001): a Cognito
 * identity pool federated with the authors' user pool hands a signed-in author temporary STS credentials of one
 * role, whose S3 access the policy variable `${cognito-identity.amazonaws.com:sub}` confines to that identity's
 * `uploads/<identity id>/` and `drafts/<identity id>/` (shared/author-folders.ts). It lives next to the app client
 * (lib/author-sign-in.ts): the identity pool trusts tokens of that client only.
 */
import { CognitoIdentityPool } from "@cdktf/provider-aws/lib/cognito-identity-pool";
import { CognitoIdentityPoolRolesAttachment } from "@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { authorFolderStatements, IDENTITY_ID_VARIABLE } from "../shared/author-folders";
import type { FoldersConfig } from "../web/src/config";
import { policyDocument, type PolicyStatement } from "./iam";

export interface AuthorFoldersProps {
  readonly region: string;
  readonly userPoolId: string;
  /** The app client whose ID tokens the identity pool accepts. */
  readonly clientId: string;
  readonly uploadsBucket: { readonly name: string; readonly arn: string };
  /** The key the uploads bucket encrypts with (SSE-KMS with an S3 Bucket Key). */
  readonly kmsKeyArn: string;
  /** Letters, digits, underscores and spaces only (AWS's rule for identity pool names). */
  readonly poolName: string;
  readonly roleName: string;
}

/**
 * Terraform reads `${…}` in any string as an interpolation; `$${…}` is its escape for a literal one, which IAM
 * then receives as the policy variable. (Escaped here, on the variable alone: the policy's other `${…}` are
 * cdktf's own references.)
 */
const IDENTITY_ID_FOR_TERRAFORM = `$${IDENTITY_ID_VARIABLE}`;

export class AuthorFolders extends Construct {
  public readonly identityPoolId: string;
  public readonly roleArn: string;
  /** What the site reads as `folders` from `/config.json`. */
  public readonly siteConfig: FoldersConfig;

  constructor(scope: Construct, id: string, props: AuthorFoldersProps) {
    super(scope, id);
    if (!/^[\w ]{1,128}$/.test(props.poolName)) {
      throw new Error(
        `AuthorFolders poolName "${props.poolName}": use letters, digits, underscores and spaces, at most 128`,
      );
    }
    const loginProvider = `cognito-idp.${props.region}.amazonaws.com/${props.userPoolId}`;
    const pool = new CognitoIdentityPool(this, "pool", {
      identityPoolName: props.poolName,
      // Only signed-in authors get credentials, and only through the enhanced flow (no GetOpenIdToken + STS).
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      cognitoIdentityProviders: [
        // Server-side token check: a token of a signed-out (globally revoked) author is refused.
        { clientId: props.clientId, providerName: loginProvider, serverSideTokenCheck: true },
      ],
    });

    const role = new IamRole(this, "authenticated", {
      name: props.roleName,
      description: "Signed-in authors' browser access to their own upload and draft folders",
      maxSessionDuration: 3600,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: "cognito-identity.amazonaws.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              // Identities of this pool only, and only authenticated ones.
              StringEquals: { "cognito-identity.amazonaws.com:aud": pool.id },
              "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
            },
          },
        ],
      }),
    });
    const encryption: PolicyStatement = {
      Sid: "EncryptOwnObjectsThroughS3",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: props.kmsKeyArn,
      Condition: {
        StringEquals: {
          "kms:ViaService": `s3.${props.region}.amazonaws.com`,
          // With an S3 Bucket Key the encryption context is the bucket, not the object.
          "kms:EncryptionContext:aws:s3:arn": props.uploadsBucket.arn,
        },
      },
    };
    new IamRolePolicy(this, "folders", {
      name: "own-folders",
      role: role.id,
      policy: policyDocument([
        ...authorFolderStatements(props.uploadsBucket.arn, IDENTITY_ID_FOR_TERRAFORM),
        encryption,
      ]),
    });
    new CognitoIdentityPoolRolesAttachment(this, "roles", {
      identityPoolId: pool.id,
      roles: { authenticated: role.arn },
    });

    this.identityPoolId = pool.id;
    this.roleArn = role.arn;
    this.siteConfig = {
      identityPoolId: pool.id,
      region: props.region,
      bucket: props.uploadsBucket.name,
      loginProvider,
    };
  }
}
