/**
 * The API's DynamoDB writes: like counters (atomic ADD, once per client) and newsletter subscribers (conditional
 * put, so a duplicate never re-triggers the welcome e-mail stream).
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Logger } from "../shared/logger";
import type { PhotoRecord } from "./media";

type Item = Record<string, unknown>;

/** BatchGetItem in chunks of 100 keys, asking again for keys DynamoDB left unprocessed under load. */
async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Item[],
): Promise<Item[]> {
  const items: Item[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let pending: Item[] | undefined = keys.slice(start, start + 100);
    for (let attempt = 0; pending && pending.length > 0 && attempt < 5; attempt++) {
      const result: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }),
      );
      items.push(...(result.Responses?.[table] ?? []));
      pending = result.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return items;
}

const postKey = (slug: string) => `post#${slug}`;
const COUNTER_SK = "counter";

export interface LikeResult {
  readonly likes: number;
  /** The client had already liked the post: nothing was counted. */
  readonly alreadyLiked: boolean;
}

/** The single transaction that records a like: the client's marker (only if new) and the counter increment. */
export function likeTransaction(
  table: string,
  slug: string,
  clientId: string,
  now: Date,
): TransactWriteCommandInput {
  return {
    TransactItems: [
      {
        Put: {
          TableName: table,
          Item: { pk: postKey(slug), sk: `like#${clientId}`, likedAt: now.toISOString() },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: table,
          Key: { pk: postKey(slug), sk: COUNTER_SK },
          UpdateExpression: "ADD likes :one",
          ExpressionAttributeValues: { ":one": 1 },
        },
      },
    ],
  };
}

const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

export class LikeStore {
  /** Set once the endpoint has shown it lacks transactions (dynalite, the local DynamoDB). */
  private transactionsUnsupported = false;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly logger: Logger,
  ) {}

  async like(slug: string, clientId: string): Promise<LikeResult> {
    if (!this.transactionsUnsupported) {
      try {
        await this.db.send(new TransactWriteCommand(likeTransaction(this.table, slug, clientId, new Date())));
        return { likes: await this.count(slug), alreadyLiked: false };
      } catch (error) {
        const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
        if (reasons?.[0]?.Code === "ConditionalCheckFailed")
          return { likes: await this.count(slug), alreadyLiked: true };
        if ((error as Error).name !== "UnknownOperationException") throw error;
        this.transactionsUnsupported = true;
        this.logger.warn("DynamoDB endpoint lacks TransactWriteItems: recording likes in two ordered writes");
      }
    }
    return this.likeWithoutTransaction(slug, clientId);
  }

  /**
   * For endpoints without transactions: the marker first (it decides "once per client"), then the increment. A
   * failure between the two loses one like but never counts one twice.
   */
  private async likeWithoutTransaction(slug: string, clientId: string): Promise<LikeResult> {
    const [markerPut, counterUpdate] =
      likeTransaction(this.table, slug, clientId, new Date()).TransactItems ?? [];
    try {
      await this.db.send(new PutCommand(markerPut.Put as ConstructorParameters<typeof PutCommand>[0]));
    } catch (error) {
      if (isConditionFailure(error)) return { likes: await this.count(slug), alreadyLiked: true };
      throw error;
    }
    const updated = await this.db.send(
      new UpdateCommand({
        ...(counterUpdate.Update as ConstructorParameters<typeof UpdateCommand>[0]),
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return { likes: Number(updated.Attributes?.likes ?? 0), alreadyLiked: false };
  }

  async count(slug: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: postKey(slug), sk: COUNTER_SK },
        ConsistentRead: true,
      }),
    );
    return Number(Item?.likes ?? 0);
  }

  /** Like counts of several posts (a list page: at most 50, one BatchGet). */
  async counts(slugs: readonly string[]): Promise<Map<string, number>> {
    const keys = [...new Set(slugs)].map((slug) => ({ pk: postKey(slug), sk: COUNTER_SK }));
    const items = await batchGetAll(this.db, this.table, keys);
    return new Map(items.map((item) => [(item.pk as string).slice("post#".length), Number(item.likes ?? 0)]));
  }

  /**
   * A deleted post's counter goes too, so that a new post with the same slug starts from zero. Best effort: the
   * post is already deleted, so a failure here is logged rather than turned into an error response.
   */
  async forget(slug: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: { pk: postKey(slug), sk: COUNTER_SK } }),
      );
    } catch (error) {
      this.logger.warn("Could not delete the like counter of a deleted post", {
        slug,
        error: (error as Error).message,
      });
    }
  }
}

export class SubscriberStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** True when the subscriber is new; an existing one is left untouched (no second welcome e-mail). */
  async subscribe(email: string, name: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { email, name, subscribedAt: new Date().toISOString() },
          ConditionExpression: "attribute_not_exists(email)",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

/** Upload records: `pending` when the API hands out a presigned POST; the thumbnail function does the rest. */
export class PhotoStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async recordPending(photo: { key: string; author: string; contentType: string }): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...photo, status: "pending", updatedAt: new Date().toISOString() },
        ConditionExpression: "attribute_not_exists(#key)",
        ExpressionAttributeNames: { "#key": "key" },
      }),
    );
  }

  async getMany(keys: readonly string[]): Promise<Map<string, PhotoRecord>> {
    const items = await batchGetAll(
      this.db,
      this.table,
      [...new Set(keys)].map((key) => ({ key })),
    );
    return new Map(items.map((item) => [item.key as string, item as unknown as PhotoRecord]));
  }
}
