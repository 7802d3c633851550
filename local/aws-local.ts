/**
 * Real local stand-ins for the AWS services the event handlers use: DynamoDB (`dynalite`), S3 (`s3rver`)
 * and SES (`aws-ses-v2-local`), all in this process on free ports of 127.0.0.1.
 *
 * Used by the handler tests and by the local development server (`npm run dev`), so it is a plain module:
 * no test framework, no global state apart from aws-ses-v2-local's own (its e-mail store is per process).
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
// These three ship without type definitions that matter here (or none at all): keep their surface narrow.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as S3rverConstructor;
import startSesServer from "aws-ses-v2-local";
import { TABLES, type TableContract, type TableName } from "../shared/contracts/tables";

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: "event", listener: (event: S3ObjectEvent) => void): void;
  off(event: "event", listener: (event: S3ObjectEvent) => void): void;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
  allowMismatchedSignatures: boolean;
  vhostBuckets: boolean;
}) => S3rverInstance;

/** An S3 event notification as s3rver emits it (the same shape S3 sends to SNS). */
export interface S3ObjectEvent {
  readonly Records: ReadonlyArray<{
    readonly eventName: string;
    readonly s3: {
      readonly bucket: { readonly name: string };
      readonly object: { readonly key: string; readonly size?: number };
    };
  }>;
}

/**
 * Table names to create, by contract name (shared/contracts/tables.ts); every table is optional so each caller
 * creates only what it uses.
 */
export type LocalTableNames = { readonly [T in TableName]?: string };

/** A message accepted by the local SES, reduced to what tests and the dev inbox need. */
export interface SentEmail {
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

export interface StartAwsLocalOptions {
  /**
   * Host to bind every service to.
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * Fixed ports (the dev server may want stable URLs); 0 picks a free port.
   * @default { dynamodb: 0, s3: 0, ses: 0 }
   */
  readonly ports?: { readonly dynamodb?: number; readonly s3?: number; readonly ses?: number };
  /**
   * Region reported to SDK clients.
   * @default "us-east-1"
   */
  readonly region?: string;
}

export interface AwsLocal {
  /** Environment for AWS SDK v3 clients (endpoints, region, the dummy credentials s3rver verifies signatures with). */
  readonly env: Record<string, string>;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly sesEndpoint: string;
  /** aws-ses-v2-local's inbox viewer web page. */
  readonly sesInboxUrl: string;
  createTables(names: LocalTableNames): Promise<void>;
  createBuckets(...names: string[]): Promise<void>;
  /** E-mails the local SES accepted since this instance started. */
  sentEmails(): Promise<SentEmail[]>;
  /** Calls `listener` for every object created or deleted in the local S3 (what S3 would send to SNS). */
  onS3Event(listener: (event: S3ObjectEvent) => void): () => void;
  stop(): Promise<void>;
}

/** Credentials s3rver checks SigV4 signatures against; dynalite and aws-ses-v2-local accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/**
 * The local table of a contract: its keys and stream as the stacks create them. dynalite has no UpdateTimeToLive,
 * so a TTL attribute is not set; expired idempotency records are still ignored by Powertools, which checks it.
 */
export function localTableSchema(name: TableName): Omit<CreateTableCommandInput, "TableName"> {
  const table: TableContract = TABLES[name];
  const keys = [
    { AttributeName: table.hashKey, KeyType: "HASH" as const },
    ...(table.rangeKey ? [{ AttributeName: table.rangeKey, KeyType: "RANGE" as const }] : []),
  ];
  return {
    AttributeDefinitions: keys.map(({ AttributeName }) => ({ AttributeName, AttributeType: "S" })),
    KeySchema: keys,
    ...(table.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } }),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections?.();
  });
}

/** Starts dynalite, s3rver and aws-ses-v2-local; `stop()` closes them and deletes the S3 directory. */
export async function startAwsLocal(options: StartAwsLocalOptions = {}): Promise<AwsLocal> {
  const host = options.host ?? "127.0.0.1";
  const region = options.region ?? "us-east-1";
  const startedAtSeconds = Math.floor(Date.now() / 1000);
  const started: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const stopOne of started.splice(0).reverse()) {
      await stopOne().catch((err: unknown) => errors.push(err));
    }
    if (errors.length > 0) throw new AggregateError(errors, "aws-local: some services did not stop cleanly");
  };

  try {
    // Tables leave CREATING at once: nothing here models the delay.
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoPort = await listen(dynamo, options.ports?.dynamodb ?? 0, host);
    started.push(() => close(dynamo));

    const s3Directory = await mkdtemp(join(tmpdir(), "aws-local-s3-"));
    // A process that exits without stop() (process.exit, an uncaught error) still removes its S3 data.
    const removeOnExit = () => rmSync(s3Directory, { recursive: true, force: true });
    process.once("exit", removeOnExit);
    started.push(async () => {
      process.off("exit", removeOnExit);
      await rm(s3Directory, { recursive: true, force: true });
    });
    const s3 = new S3rver({
      address: host,
      port: options.ports?.s3 ?? 0,
      directory: s3Directory,
      silent: true,
      resetOnClose: false,
      allowMismatchedSignatures: false,
      vhostBuckets: false,
    });
    const s3Port = (await s3.run()).port;
    started.push(() => s3.close());

    const ses = await startSesServer({ host, port: options.ports?.ses ?? 0 });
    started.push(() => close(ses));
    const sesPort = (ses.address() as AddressInfo).port;

    const dynamodbEndpoint = `http://${host}:${dynamoPort}`;
    const s3Endpoint = `http://${host}:${s3Port}`;
    const sesEndpoint = `http://${host}:${sesPort}`;
    const clientConfig = { region, credentials: LOCAL_CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamodbEndpoint });
    const s3Client = new S3Client({ ...clientConfig, endpoint: s3Endpoint, forcePathStyle: true });
    started.push(async () => {
      dynamoClient.destroy();
      s3Client.destroy();
    });

    return {
      env: {
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
        AWS_ENDPOINT_URL_S3: s3Endpoint,
        AWS_ENDPOINT_URL_SES: sesEndpoint,
      },
      dynamodbEndpoint,
      s3Endpoint,
      sesEndpoint,
      sesInboxUrl: `${sesEndpoint}/`,

      async createTables(names) {
        const entries = Object.entries(names).filter((entry): entry is [TableName, string] => !!entry[1]);
        for (const [kind, tableName] of entries) {
          if (!(kind in TABLES))
            throw new Error(
              `aws-local: unknown table "${kind}" (expected ${Object.keys(TABLES).join(", ")})`,
            );
          await dynamoClient.send(
            new CreateTableCommand({
              TableName: tableName,
              BillingMode: "PAY_PER_REQUEST",
              ...localTableSchema(kind),
            }),
          );
          await waitUntilTableExists(
            { client: dynamoClient, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
            { TableName: tableName },
          );
        }
      },

      async createBuckets(...bucketNames) {
        for (const name of bucketNames) await s3Client.send(new CreateBucketCommand({ Bucket: name }));
      },

      async sentEmails() {
        const response = await fetch(`${sesEndpoint}/store?since=${startedAtSeconds}`);
        if (!response.ok) throw new Error(`aws-local: SES store answered HTTP ${response.status}`);
        const store = (await response.json()) as {
          emails: Array<{
            from: string;
            destination: { to: string[] };
            subject: string;
            body: { text?: string; html?: string };
          }>;
        };
        return store.emails.map((email) => ({
          from: email.from,
          to: email.destination.to,
          subject: email.subject,
          text: email.body.text,
          html: email.body.html,
        }));
      },

      onS3Event(listener) {
        s3.on("event", listener);
        return () => s3.off("event", listener);
      },

      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
