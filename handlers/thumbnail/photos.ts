/** The photo's processing status in the photos table, where the API reads it. */
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface ReadyPhoto {
  readonly contentType: string;
  /** Media key of the published original. */
  readonly original: string;
  /** Configured width → media key of the thumbnail serving it. */
  readonly thumbnails: Readonly<Record<string, string>>;
  readonly width: number;
  readonly height: number;
}

export class PhotoStatusStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  markProcessing(key: string, author: string): Promise<void> {
    return this.update(key, { status: "processing", author }, ["error"]);
  }

  markReady(key: string, photo: ReadyPhoto): Promise<void> {
    return this.update(key, { status: "ready", ...photo }, ["error"]);
  }

  markFailed(key: string, error: string, author?: string): Promise<void> {
    return this.update(key, { status: "failed", error, ...(author ? { author } : {}) }, []);
  }

  private async update(key: string, values: Record<string, unknown>, remove: string[]): Promise<void> {
    const entries = Object.entries({ ...values, updatedAt: new Date().toISOString() });
    const set = entries.map((_entry, i) => `#n${i} = :v${i}`).join(", ");
    const names = Object.fromEntries(entries.map(([name], i) => [`#n${i}`, name]));
    const removeNames = Object.fromEntries(remove.map((name, i) => [`#r${i}`, name]));
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { key },
        UpdateExpression: `SET ${set}${remove.length ? ` REMOVE ${Object.keys(removeNames).join(", ")}` : ""}`,
        ExpressionAttributeNames: { ...names, ...removeNames },
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }
}
