/**
 * A pass-through HTTP proxy in front of the real aws-ses-v2-local that can answer a request with an SES error
 * instead (Throttling, MessageRejected). aws-ses-v2-local never fails, so this is the one place where the tests
 * imitate AWS behaviour: the error bodies are SES v1's documented XML error responses.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type SesFault = "Throttling" | "MessageRejected";

export interface SesFaultProxy {
  readonly endpoint: string;
  /** Every SendEmail request seen, with its recipients. */
  readonly requests: Array<{ to: string[]; fault?: SesFault }>;
  /** Decides per request whether to fail it; `undefined` forwards it to the real local SES. */
  faultFor: (to: string[]) => SesFault | undefined;
  close(): Promise<void>;
}

const FAULTS: Record<SesFault, { status: number; message: string }> = {
  Throttling: { status: 400, message: "Maximum sending rate exceeded." },
  MessageRejected: { status: 400, message: "Email address is not verified." },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startSesFaultProxy(target: string): Promise<SesFaultProxy> {
  const proxy: SesFaultProxy = {
    endpoint: "",
    requests: [],
    faultFor: () => undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const params = new URLSearchParams(body);
      const to = [...params.entries()]
        .filter(([name]) => name.startsWith("Destination.ToAddresses"))
        .map(([, v]) => v);
      const fault = params.get("Action") === "SendEmail" ? proxy.faultFor(to) : undefined;
      proxy.requests.push({ to, fault });
      if (fault) {
        res.writeHead(FAULTS[fault].status, { "content-type": "text/xml" });
        res.end(
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>` +
            `<Code>${fault}</Code><Message>${FAULTS[fault].message}</Message></Error>` +
            `<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
        );
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) => !["host", "content-length", "connection"].includes(name),
        ),
      ) as Record<string, string>;
      const upstream = await fetch(`${target}${req.url ?? "/"}`, { method: req.method, headers, body });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/xml" });
      res.end(await upstream.text());
    })().catch((err: unknown) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(proxy, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}
