/**
 * The emulated deploy's restore rehearsal (pipeline/emulated-restore.ts) for DynamoDB and S3, against moto with a
 * table and a bucket made as the data stack makes them. The PostgreSQL restores need the deploy's VPC, subnet group and
 * key: they run in `npm run deploy:local` (a step of .ci/run). Emulated: moto's point-in-time restore copies the items
 * as they are now, and it applies the bucket's TLS-only policy without its condition (pipeline/emulator-gaps.ts).
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { denyInsecureTransport, policyDocument } from "../../lib/iam";
import { startMoto, type LocalMoto } from "../../local/moto";
import { rehearseObject, rehearseTable } from "../../pipeline/emulated-restore";
import { emulatorClientConfig } from "../../pipeline/emulator-api";
import type { StateResource } from "../../pipeline/emulated-release";

const REGION = "eu-west-1";
let moto: LocalMoto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

test("a table restored to a point in time into a new table holds the item written before, and the copy is removed", async () => {
  const dynamodb = new DynamoDBClient(emulatorClientConfig(moto.endpoint, REGION));
  const kmsKeyArn = `arn:aws:kms:${REGION}:123456789012:key/00000000-0000-0000-0000-000000000001`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: "myblog-dev-subscribers",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "email", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "email", KeyType: "HASH" }],
      SSESpecification: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: kmsKeyArn },
    }),
  );
  await dynamodb.send(
    new UpdateContinuousBackupsCommand({
      TableName: "myblog-dev-subscribers",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  const table: StateResource = {
    address: "aws_dynamodb_table.subscribers",
    type: "aws_dynamodb_table",
    values: {
      name: "myblog-dev-subscribers",
      hash_key: "email",
      server_side_encryption: [{ kms_key_arn: kmsKeyArn }],
    },
  };
  const step = await rehearseTable(table, moto.endpoint, REGION);
  expect(step).toMatchObject({ restore: "dynamodb-point-in-time", ok: true });
  expect(step.detail).toContain("myblog-dev-subscribers-restored");
  // The copy is gone and the live table holds no rehearsal item.
  expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(["myblog-dev-subscribers"]);
  expect((await dynamodb.send(new ScanCommand({ TableName: "myblog-dev-subscribers" }))).Count).toBe(0);
  dynamodb.destroy();
});

test("an object's earlier version is made current again, and the rehearsal leaves no version behind", async () => {
  const s3 = new S3Client(emulatorClientConfig(moto.endpoint, REGION));
  const Bucket = "myblog-dev-uploads-rehearsal";
  await s3.send(
    new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  // The data stack's TLS-only policy, which moto applies without its condition.
  const Policy = policyDocument([
    denyInsecureTransport([`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`]),
  ]);
  await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
  const step = await rehearseObject(Bucket, moto.endpoint, REGION);
  expect(step).toMatchObject({ restore: "s3-object-version", ok: true });
  expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy!)).toEqual(
    JSON.parse(Policy),
  );
  const left = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
  s3.destroy();
});

test("without versioning the object restore fails and says why", async () => {
  const s3 = new S3Client(emulatorClientConfig(moto.endpoint, REGION));
  const Bucket = "myblog-dev-unversioned";
  await s3.send(
    new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  const step = await rehearseObject(Bucket, moto.endpoint, REGION);
  expect(step.ok).toBe(false);
  expect(step.error).toMatch(/no version id: is versioning on\?/);
  s3.destroy();
});
