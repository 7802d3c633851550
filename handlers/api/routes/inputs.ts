/** Inputs several routes read, validated before any I/O: the signed-in author, the client id, the page asked for. */
import { UnauthenticatedError } from "../../shared/errors";
import { parseInput, type ApiRequest, type Author } from "../http";
import { addressKey } from "../origin";
import { decodeCursor, type Cursor } from "../posts-store";
import { clientIdHeader, pageQuery } from "../schemas";

/** Author subs become part of S3 keys: only safe characters. */
const AUTHOR_SUB_PATTERN = /^[A-Za-z0-9_.@-]{1,128}$/;

export function requireAuthor(request: ApiRequest): Author {
  if (!request.author) {
    throw new UnauthenticatedError("Sign in as an author to do this", { code: "unauthenticated" });
  }
  if (!AUTHOR_SUB_PATTERN.test(request.author.sub)) {
    throw new UnauthenticatedError("The token's subject cannot identify an author", {
      code: "invalid_subject",
    });
  }
  return request.author;
}

/** `x-client-id` (a UUID the browser keeps) or, without it, the reader's address (an IPv6 reader's /64). */
export function clientId(request: ApiRequest): string {
  const header = parseInput(request.headers["x-client-id"], clientIdHeader, "headers.x-client-id");
  return header?.toLowerCase() ?? `ip:${addressKey(request.readerIp)}`;
}

export function pageOf(query: ApiRequest["query"]): { limit: number; cursorText: string; after?: Cursor } {
  const page = parseInput(query, pageQuery, "query");
  return {
    limit: page.limit,
    cursorText: page.cursor ?? "",
    after: page.cursor ? decodeCursor(page.cursor) : undefined,
  };
}
