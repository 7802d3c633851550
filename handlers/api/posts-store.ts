/** Posts and comments in PostgreSQL. Every call goes through `withDatabase`: an unreachable database is a 503. */
import type { Pool } from "pg";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../shared/errors";
import { withDatabase } from "../shared/postgres";

export interface PostSummaryRow {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly excerpt: string;
  readonly cover_key: string | null;
  readonly published_at: Date;
  readonly cursor_ts: string;
}

export interface PostRow extends PostSummaryRow {
  readonly body: string;
  readonly photo_keys: string[];
  readonly author_sub: string;
  readonly author_name: string;
  readonly updated_at: Date;
  readonly comment_count: string;
}

export interface CommentRow {
  readonly id: string;
  readonly author_name: string;
  readonly body: string;
  readonly created_at: Date;
  readonly cursor_ts: string;
}

export interface NewPost {
  readonly slug: string;
  readonly title: string;
  readonly excerpt: string;
  readonly body: string;
  readonly coverKey: string | null;
  readonly photoKeys: readonly string[];
  readonly authorSub: string;
  readonly authorName: string;
}

export type PostChanges = Partial<Pick<NewPost, "title" | "excerpt" | "body" | "coverKey" | "photoKeys">>;

/** Position in a keyset-paginated list: the last row's timestamp (microseconds, as text) and id. */
export interface Cursor {
  readonly ts: string;
  readonly id: string;
}

const CURSOR_TS = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts`;
const SUMMARY_COLUMNS = `id, slug, title, excerpt, cover_key, published_at, ${CURSOR_TS.replace("%s", "published_at")}`;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.ts}|${cursor.id}`, "utf8").toString("base64url");
}

export function decodeCursor(text: string): Cursor {
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(\d{1,18})$/.exec(decoded);
  if (!match || Number.isNaN(Date.parse(match[1]))) {
    throw new ValidationError("The query string is invalid", {
      code: "validation_failed",
      details: [{ path: "query.cursor", message: "must be a cursor returned by a previous page" }],
    });
  }
  return { ts: match[1], id: match[2] };
}

const UNIQUE_VIOLATION = "23505";

export class PostStore {
  constructor(private readonly pool: Pool) {}

  /** Published posts, newest first; fetches one row more than asked to know whether a next page exists. */
  listPosts(limit: number, after?: Cursor): Promise<PostSummaryRow[]> {
    return withDatabase(async () => {
      const { rows } = after
        ? await this.pool.query<PostSummaryRow>(
            `SELECT ${SUMMARY_COLUMNS} FROM posts
             WHERE (published_at, id) < ($1::timestamptz, $2::bigint)
             ORDER BY published_at DESC, id DESC LIMIT $3`,
            [after.ts, after.id, limit + 1],
          )
        : await this.pool.query<PostSummaryRow>(
            `SELECT ${SUMMARY_COLUMNS} FROM posts ORDER BY published_at DESC, id DESC LIMIT $1`,
            [limit + 1],
          );
      return rows;
    });
  }

  getPost(slug: string): Promise<PostRow | undefined> {
    return withDatabase(async () => {
      const { rows } = await this.pool.query<PostRow>(
        `SELECT ${SUMMARY_COLUMNS}, body, photo_keys, author_sub, author_name, updated_at,
                (SELECT count(*) FROM comments c WHERE c.post_id = posts.id) AS comment_count
         FROM posts WHERE slug = $1`,
        [slug],
      );
      return rows[0];
    });
  }

  createPost(post: NewPost): Promise<PostRow> {
    return withDatabase(async () => {
      try {
        const { rows } = await this.pool.query<PostRow>(
          `INSERT INTO posts (slug, title, excerpt, body, cover_key, photo_keys, author_sub, author_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING ${SUMMARY_COLUMNS}, body, photo_keys, author_sub, author_name, updated_at, 0 AS comment_count`,
          [
            post.slug,
            post.title,
            post.excerpt,
            post.body,
            post.coverKey,
            post.photoKeys,
            post.authorSub,
            post.authorName,
          ],
        );
        return rows[0];
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new ConflictError(`A post with the slug "${post.slug}" already exists`, {
            code: "slug_taken",
            details: [{ path: "body.slug", message: "is already used by another post" }],
          });
        }
        throw error;
      }
    });
  }

  exists(slug: string): Promise<boolean> {
    return withDatabase(async () => {
      const { rowCount } = await this.pool.query("SELECT 1 FROM posts WHERE slug = $1", [slug]);
      return (rowCount ?? 0) > 0;
    });
  }

  /** Changes a post of `authorSub`: 404 when there is no such post, 403 when it belongs to someone else. */
  updatePost(slug: string, authorSub: string, changes: PostChanges): Promise<PostRow> {
    return withDatabase(async () => {
      const { rows } = await this.pool.query<PostRow>(
        `UPDATE posts SET
           title = COALESCE($3, title),
           excerpt = COALESCE($4, excerpt),
           body = COALESCE($5, body),
           cover_key = CASE WHEN $6::boolean THEN $7 ELSE cover_key END,
           photo_keys = COALESCE($8, photo_keys),
           updated_at = now()
         WHERE slug = $1 AND author_sub = $2
         RETURNING ${SUMMARY_COLUMNS}, body, photo_keys, author_sub, author_name, updated_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = posts.id) AS comment_count`,
        [
          slug,
          authorSub,
          changes.title ?? null,
          changes.excerpt ?? null,
          changes.body ?? null,
          changes.coverKey !== undefined,
          changes.coverKey ?? null,
          changes.photoKeys ?? null,
        ],
      );
      if (rows[0]) return rows[0];
      throw await this.whyNotOwned(slug);
    });
  }

  deletePost(slug: string, authorSub: string): Promise<void> {
    return withDatabase(async () => {
      const result = await this.pool.query("DELETE FROM posts WHERE slug = $1 AND author_sub = $2", [
        slug,
        authorSub,
      ]);
      if (result.rowCount === 0) throw await this.whyNotOwned(slug);
    });
  }

  private async whyNotOwned(slug: string): Promise<Error> {
    return !(await this.exists(slug))
      ? postNotFound(slug)
      : new ForbiddenError("Only the author of a post can change it", { code: "not_author" });
  }

  /** Comments oldest first; undefined when the post does not exist. */
  listComments(slug: string, limit: number, after?: Cursor): Promise<CommentRow[] | undefined> {
    return withDatabase(async () => {
      const post = await this.pool.query<{ id: string }>("SELECT id FROM posts WHERE slug = $1", [slug]);
      if (post.rowCount === 0) return undefined;
      const columns = `id, author_name, body, created_at, ${CURSOR_TS.replace("%s", "created_at")}`;
      const { rows } = after
        ? await this.pool.query<CommentRow>(
            `SELECT ${columns} FROM comments WHERE post_id = $1 AND (created_at, id) > ($2::timestamptz, $3::bigint)
             ORDER BY created_at, id LIMIT $4`,
            [post.rows[0].id, after.ts, after.id, limit + 1],
          )
        : await this.pool.query<CommentRow>(
            `SELECT ${columns} FROM comments WHERE post_id = $1 ORDER BY created_at, id LIMIT $2`,
            [post.rows[0].id, limit + 1],
          );
      return rows;
    });
  }

  addComment(slug: string, authorName: string, body: string): Promise<CommentRow> {
    return withDatabase(async () => {
      const { rows } = await this.pool.query<CommentRow>(
        `INSERT INTO comments (post_id, author_name, body)
         SELECT id, $2, $3 FROM posts WHERE slug = $1
         RETURNING id, author_name, body, created_at, ${CURSOR_TS.replace("%s", "created_at")}`,
        [slug, authorName, body],
      );
      if (!rows[0]) throw postNotFound(slug);
      return rows[0];
    });
  }

  /** The database part of the health check: a trivial query that must answer within `timeoutMs`. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const answered = this.pool.query("SELECT 1").then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function postNotFound(slug: string): NotFoundError {
  return new NotFoundError(`No post with the slug "${slug}"`, { code: "post_not_found" });
}
