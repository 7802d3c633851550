/** What the routes keep in Redis, under which keys and for how long, and how their answers say hit or miss. */
import { jsonText } from "../http";

/** How long Redis keeps reads, and what CloudFront and browsers may cache (short: writes must show quickly). */
export const CACHE_TTL_SECONDS = 60;
/** A post whose photos are still being processed is cached briefly so that the thumbnails appear soon. */
export const PROCESSING_TTL_SECONDS = 5;
export const PUBLIC_CACHE_CONTROL = "public, max-age=10, s-maxage=30, stale-while-revalidate=30";

export const cacheKeys = {
  /** Hash: one field per page (`<limit>:<cursor>`), dropped as a whole by any post write. */
  postList: "posts:list",
  post: (slug: string) => `post:${slug}`,
  comments: (slug: string) => `comments:${slug}`,
};

export const cached = (body: string, cacheControl: string) =>
  jsonText(200, body, { "cache-control": cacheControl, "x-cache": "hit" });
export const fresh = (status: number, body: string, cacheControl: string) =>
  jsonText(status, body, { "cache-control": cacheControl, "x-cache": "miss" });
