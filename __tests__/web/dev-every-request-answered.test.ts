/**
 * Every request to `npm run dev` gets an answer: 503 with `Retry-After` while the environment starts or stops, the
 * routes once they are attached, a refused connection once the port is closed; and the local API Gateway answers
 * 504 when the function does not answer within its configured timeout, as API Gateway does.
 */
import { createServer, type Server } from "http";
import type { AddressInfo } from "net";
import { CleanupStack } from "../../dev/lifecycle";
import type { LocalIdentityProvider } from "../../dev/local-auth";
import type { InvokeResult, LocalLambda } from "../../dev/local-lambda";
import { apiRoutes, gatewayAnswerTo, invokeWithin } from "../../dev/routes/api";
import { dispatch } from "../../dev/routes/dispatch";
import { listen } from "../../dev/services";

const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5000) });

test("answers 503 with Retry-After while starting, the routes once attached, 503 while stopping, then refuses", async () => {
  const cleanup = new CleanupStack(() => undefined);
  const listener = await listen(cleanup, 0, "127.0.0.1");
  try {
    const starting = await get(`${listener.origin}/api/health`);
    expect(starting.status).toBe(503);
    expect(starting.headers.get("retry-after")).toBe("1");
    expect(starting.headers.get("content-type")).toBe("application/json");
    expect(await starting.json()).toEqual({
      message: "Service Unavailable",
      error: expect.stringContaining("starting"),
    });
    // A request with a body is answered too (the body is drained, not left to stall the socket).
    const post = await fetch(`${listener.origin}/api/posts`, {
      method: "POST",
      body: "x".repeat(256 * 1024),
      signal: AbortSignal.timeout(5000),
    });
    expect(post.status).toBe(503);

    listener.serve((_request, response) => response.end("ready"));
    const ready = await get(`${listener.origin}/`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe("ready");

    listener.drain();
    const stopping = await get(`${listener.origin}/`);
    expect(stopping.status).toBe(503);
    expect(stopping.headers.get("retry-after")).toBe("1");
    expect((await stopping.json()).error).toMatch(/stopping/);
  } finally {
    await cleanup.stopAll();
  }
  await expect(get(`${listener.origin}/`)).rejects.toThrow();
});

/** A stand-in for the api function that answers after `delayMs` (never, when undefined). */
function fakeApi(timeoutMs: number, delayMs?: number): Pick<LocalLambda, "invoke" | "timeoutMs"> {
  return {
    timeoutMs,
    invoke: () =>
      new Promise<InvokeResult>((resolve) => {
        if (delayMs !== undefined)
          setTimeout(() => resolve({ ok: true, result: { statusCode: 200, body: "{}" } }), delayMs);
      }),
  };
}

test("an invocation that gets no answer within the function's timeout times out, also while it waits for a worker", async () => {
  const started = Date.now();
  const result = await invokeWithin(fakeApi(300), {});
  expect(Date.now() - started).toBeLessThan(2000);
  expect(result).toEqual({ ok: false, error: expect.objectContaining({ errorType: "Sandbox.Timedout" }) });
  expect(await invokeWithin(fakeApi(1000, 10), {})).toMatchObject({ ok: true });

  expect(gatewayAnswerTo("Sandbox.Timedout").statusCode).toBe(504);
  expect(gatewayAnswerTo("ServiceUnavailable").statusCode).toBe(503);
  expect(gatewayAnswerTo("ServiceUnavailable").headers["retry-after"]).toBe("1");
  expect(gatewayAnswerTo("Runtime.ExitError").statusCode).toBe(500);
});

test("the local API Gateway answers 504 when the function does not answer within its timeout", async () => {
  const routes = apiRoutes({
    identity: {} as LocalIdentityProvider, // public routes only: the authorizer is not asked
    api: fakeApi(300) as LocalLambda,
    originVerifyValue: "local-edge-value-for-this-test-only-0000",
    log: () => undefined,
  });
  const server: Server = createServer(dispatch("http://local", [routes], () => undefined));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    const response = await get(`http://127.0.0.1:${port}/api/posts`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: "Endpoint request timed out" });
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
