/**
 * What a function's role is given: bindings (a variable naming a resource, and the access to it, set together),
 * statements, and with each the key that encrypts what it reaches, so the key's use is granted with the access.
 */
import {
  tableVariables,
  type FunctionName,
  type TableOfFunction,
  type TableVariable,
} from "../shared/contracts/functions";
import type { PolicyStatement } from "./iam";

/** Use of the key that encrypts what a grant reaches. */
export interface KeyUse {
  /**
   * The key. @default the stack's key (lib/stack-context.ts): the network layer's, which encrypts every table,
   * bucket, queue, topic and parameter of the app
   */
  readonly kmsKeyArn?: string;
  readonly actions: readonly string[];
}

/** Reading and writing data a key encrypts (S3 SSE-KMS objects, DynamoDB items, SQS messages). */
export const READ_WRITE_KEY: KeyUse = { actions: ["kms:Decrypt", "kms:GenerateDataKey"] };
/** Reading what a key encrypts (SecureString parameters, secrets, stream records). */
export const READ_KEY: KeyUse = { actions: ["kms:Decrypt"] };

/** A statement for a function's role, with the key what it reaches is encrypted with. */
export interface Grant {
  readonly statement: PolicyStatement;
  /** @default no key */
  readonly key?: KeyUse;
}

/**
 * A variable naming a resource the function uses, with the access it is granted to it: the variable is set and the
 * role statement added together (its Sid derives from the variable's name), and the resource's key with them.
 */
export interface EnvBinding {
  readonly value: string;
  readonly statement: (sid: string) => PolicyStatement;
  /** @default no key */
  readonly key?: KeyUse;
}

/** A variable's value in a stack: text (Terraform references are text too), or a binding. */
export type EnvValue = string | EnvBinding;

/** What a binding reaches: its name and ARN, and its key where it is not the stack's. */
export interface BoundResource {
  readonly name: string;
  readonly arn: string;
  /** @default the stack's key */
  readonly kmsKeyArn?: string;
}

const keyOf = (resource: BoundResource, use: KeyUse): KeyUse => ({ ...use, kmsKeyArn: resource.kmsKeyArn });

/**
 * A table the function uses: its name in the variable, the given actions on it. No table has a secondary index,
 * so none is named; a table that gains one adds `${arn}/index/<name>` where a function queries it.
 */
export function bindTable(table: BoundResource, actions: readonly string[]): EnvBinding {
  return {
    value: table.name,
    statement: (Sid) => ({
      Sid,
      Effect: "Allow",
      Action: actions.map((a) => `dynamodb:${a}`),
      Resource: table.arn,
    }),
    key: keyOf(table, READ_WRITE_KEY),
  };
}

/**
 * Every table function `fn` uses, as its contract declares them (shared/contracts/functions.ts): each variable bound
 * to its table with the contract's actions. `tables` holds at least those tables (a layer's `tables` record).
 */
export function bindTables<F extends FunctionName>(
  fn: F,
  tables: { readonly [T in TableOfFunction<F>]: BoundResource },
): { readonly [V in TableVariable<F>]: EnvBinding } {
  return tableVariables(fn, ({ table, actions }) => bindTable(tables[table], actions));
}

/** A bucket the function uses: its name in the variable, the given object actions under one key prefix. */
export function bindBucket(bucket: BoundResource, prefix: string, actions: string[]): EnvBinding {
  return {
    value: bucket.name,
    statement: (Sid) => ({
      Sid,
      Effect: "Allow",
      Action: actions.map((a) => `s3:${a}`),
      Resource: `${bucket.arn}/${prefix}*`,
    }),
    key: keyOf(bucket, READ_WRITE_KEY),
  };
}

/** A SecureString parameter the function reads: its name in the variable, `ssm:GetParameter` on exactly it. */
export function bindParameter(parameter: BoundResource): EnvBinding {
  return {
    value: parameter.name,
    statement: (Sid) => ({ Sid, Effect: "Allow", Action: "ssm:GetParameter", Resource: parameter.arn }),
    key: keyOf(parameter, READ_KEY),
  };
}
