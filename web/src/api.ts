/** The blog API on the same origin (`/api/*`), with its one error shape `{"error":{"code","message"}}`. */

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const CLIENT_ID_KEY = "blog.clientId";

/** A random id the browser keeps: the API counts one like per client and rate-limits comments by it. */
export function clientId(): string {
  let id = localStorage.getItem(CLIENT_ID_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(CLIENT_ID_KEY, id);
  }
  return id;
}

export interface ApiOptions {
  readonly token?: string;
  /** Revalidate instead of using the browser's copy: counts a reader just changed must show at once. */
  readonly fresh?: boolean;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  options: ApiOptions = {},
): Promise<T> {
  const { token } = options;
  const headers: Record<string, string> = { accept: "application/json", "x-client-id": clientId() };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: options.fresh ? "no-cache" : "default",
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  const text = await response.text();
  const json = text ? safeJson(text) : undefined;
  if (!response.ok) {
    throw errorFrom(response.status, json);
  }
  return json as T;
}

type ErrorBody = {
  error?: { code?: string; message?: string; details?: Array<{ path?: string; message?: string }> };
  message?: string;
};

/** The API's error shape, or API Gateway's own `{"message"}` (e.g. 401 from the authorizer). */
function errorFrom(status: number, json: unknown): ApiError {
  const body = (json ?? {}) as ErrorBody;
  const details = (body.error?.details ?? []).map((d) =>
    `${(d.path ?? "").replace(/^body\./, "")}: ${d.message ?? ""}`.replace(/^: /, ""),
  );
  const base =
    body.error?.message ??
    (status === 401 ? "Please sign in again." : body.message) ??
    `Request failed (${status})`;
  return new ApiError(
    status,
    body.error?.code ?? `http_${status}`,
    details.length > 0 ? `${base} (${details.join("; ")})` : base,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
