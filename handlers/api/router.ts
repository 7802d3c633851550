/**
 * Routing by method and path (`event.routeKey` is not trusted: the local dev server and a catch-all route send
 * arbitrary paths). A known path with another method is a 405 with `Allow`; anything else is a 404.
 */
import { MethodNotAllowedError, NotFoundError } from "../shared/errors";

export interface RouteMatch<H> {
  readonly handler: H;
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute<H> {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: H;
}

/** Paths longer than this are never routes (and are not worth splitting). */
const MAX_PATH_LENGTH = 1024;

export class Router<H> {
  private readonly routes: CompiledRoute<H>[] = [];

  /** `pattern` like `/api/posts/{slug}`: literal segments and `{name}` parameters. */
  add(method: string, pattern: string, handler: H): this {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  /** Methods served at `path` (for 405 and CORS preflights); empty when the path is unknown. */
  methodsAt(path: string): string[] {
    const segments = splitPath(path);
    if (!segments) return [];
    return this.routes
      .filter((route) => matchSegments(route.segments, segments))
      .map((route) => route.method);
  }

  match(method: string, path: string): RouteMatch<H> {
    const segments = splitPath(path);
    const candidates = segments
      ? this.routes.flatMap((route) => {
          const params = matchSegments(route.segments, segments);
          return params ? [{ route, params }] : [];
        })
      : [];
    if (candidates.length === 0) throw new NotFoundError("No such API route", { code: "route_not_found" });
    const found = candidates.find((candidate) => candidate.route.method === method);
    if (!found) {
      const allowed = candidates.map((candidate) => candidate.route.method);
      throw new MethodNotAllowedError(
        `Method ${method.slice(0, 16)} is not allowed here (allowed: ${allowed.join(", ")})`,
        allowed,
      );
    }
    return { handler: found.route.handler, params: found.params };
  }
}

function splitPath(path: string): string[] | undefined {
  if (path.length > MAX_PATH_LENGTH) return undefined;
  return path.split("/").filter(Boolean);
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected.startsWith("{") && expected.endsWith("}")) {
      params[expected.slice(1, -1)] = safeDecode(segments[i]);
    } else if (expected !== segments[i]) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed %-escapes: left as is, the parameter's validation rejects them
  }
}
