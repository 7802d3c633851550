/**
 * The local DynamoDB and the stacks create the same tables: every table of the contract (shared/contracts/tables.ts)
 * is in its layer's synthesized stack and in dynalite with the same keys and stream. The compiler already refuses a
 * table without its local definition (local/aws-local.ts derives it); this proves both read the contract alike.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localTableSchema, startAwsLocal, type AwsLocal } from "../../local/aws-local";
import { TABLE_NAMES, TABLES, type TableContract, type TableName } from "../../shared/contracts/tables";
import { resources, synthApp } from "../stacks/synth";

interface SynthesizedTable {
  readonly name: string;
  readonly hash_key: string;
  readonly range_key?: string;
  readonly stream_enabled: boolean;
  readonly ttl?: { readonly attribute_name: string; readonly enabled: boolean };
}

const app = synthApp();

function synthesized(name: TableName): SynthesizedTable {
  const tables = Object.values(
    resources(app.stack(`myblog-dev-${TABLES[name].layer}`), "aws_dynamodb_table"),
  ) as unknown as SynthesizedTable[];
  const matching = tables.filter((table) => table.name === `myblog-dev-${name}`);
  expect(matching).toHaveLength(1);
  return matching[0];
}

let aws: AwsLocal;
let dynamo: DynamoDBClient;
beforeAll(async () => {
  aws = await startAwsLocal();
  dynamo = new DynamoDBClient({
    region: aws.env.AWS_REGION,
    endpoint: aws.dynamodbEndpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await aws.createTables(Object.fromEntries(TABLE_NAMES.map((name) => [name, name])));
});
afterAll(async () => {
  dynamo?.destroy();
  await aws?.stop();
});

describe.each(TABLE_NAMES)("table %s", (name) => {
  it("is created by its layer with the contract's keys, stream and TTL", () => {
    const contract: TableContract = TABLES[name];
    const table = synthesized(name);
    expect(table.hash_key).toBe(contract.hashKey);
    expect(table.range_key).toBe(contract.rangeKey);
    expect(table.stream_enabled).toBe(contract.stream === true);
    expect(table.ttl).toEqual(
      contract.ttlAttribute ? { attribute_name: contract.ttlAttribute, enabled: true } : undefined,
    );
  });

  it("is created locally with the same keys and stream as the stack's", async () => {
    const table = synthesized(name);
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: table.hash_key, KeyType: "HASH" },
      ...(table.range_key ? [{ AttributeName: table.range_key, KeyType: "RANGE" }] : []),
    ]);
    // dynalite keeps no streams (npm run dev reads the table's changes itself): the stream is the one asked for.
    expect(localTableSchema(name).StreamSpecification?.StreamEnabled ?? false).toBe(table.stream_enabled);
  });
});
