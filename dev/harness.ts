/**
 * Drives `npm run dev` from the browser tests and the web benchmark: starts it (the same `node dev/server.mjs`) on a
 * free port in its own process group, reads its URLs from what it prints, stops it like Ctrl-C does, signs an
 * author in through the local OAuth flow, gets an author's folder credentials from the local identity pool, and
 * launches Debian's Chromium with playwright-core.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import { S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { chromium, type Browser, type BrowserServer, type Page } from "playwright-core";
import { PROJECT_ROOT } from "../lib/paths";

export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, "test-artifacts", "browser");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface RunningDevServer {
  readonly child: ChildProcess;
  readonly siteUrl: string;
  readonly apiUrl: string;
  readonly sesInboxUrl: string;
  /** The local DynamoDB, to look into the tables (`LOCAL_NAMES` of dev/services.ts). */
  readonly dynamodbUrl: string;
  readonly readySeconds: number;
  output(): string;
  /** Sends `signal` to the whole process group (what a terminal does on Ctrl-C) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Every descendant of a process, from /proc (Linux). */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = "";
      try {
        children = fs.readFileSync(`/proc/${parent}/task/${task}/children`, "utf8").trim();
      } catch {
        continue;
      }
      for (const child of children ? children.split(/\s+/).map(Number) : []) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export async function startDevServer(
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<RunningDevServer> {
  const child = spawn(process.execPath, ["dev/server.mjs"], {
    cwd: PROJECT_ROOT,
    detached: true, // its own process group, so that the test can deliver a terminal's Ctrl-C to all of it
    // Tests start from an empty blog unless they ask for the sample content.
    env: { ...process.env, PORT: "0", DEV_SAMPLES: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const stop = async (signal: NodeJS.Signals = "SIGINT"): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      return child.exitCode;
    }
    const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const deadline = Date.now() + timeoutMs;
  while (!/Press Ctrl-C to stop/.test(output)) {
    if (child.exitCode !== null)
      throw new Error(`npm run dev exited with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stop("SIGKILL");
      throw new Error(`npm run dev was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = (label: string) => {
    const match = new RegExp(`${label}:\\s+(http\\S+)`).exec(output);
    if (!match) throw new Error(`npm run dev printed no ${label} URL:\n${output}`);
    return match[1];
  };
  return {
    child,
    siteUrl: url("Site"),
    apiUrl: url("API"),
    sesInboxUrl: url("SES inbox"),
    dynamodbUrl: url("DynamoDB"),
    readySeconds: Number(/ready in ([\d.]+) s/.exec(output)?.[1] ?? NaN),
    output: () => output,
    stop,
  };
}

/** Debian's Chromium, headless, with a fresh temporary profile (playwright's default for `launch`). */
const chromiumServers = new WeakMap<Browser, BrowserServer>();

/**
 * Starts Chromium as a browser server and connects to it: unlike `chromium.launch()`, the server can be killed
 * when closing hangs (see closeChromium).
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    chromiumServers.set(browser, server);
    return browser;
  } catch (error) {
    await server.kill();
    throw error;
  }
}

/**
 * Closes the browser and its Chromium; kills Chromium when it has not exited after `graceMs`, so a browser that
 * hangs on close cannot keep the test process (and CI) waiting.
 */
export async function closeChromium(browser: Browser | undefined, graceMs = 10_000): Promise<void> {
  if (!browser) return;
  const server = chromiumServers.get(browser);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), graceMs);
  });
  const closing = (async () => {
    await browser.close().catch(() => undefined);
    await server?.close();
    return "closed" as const;
  })();
  const outcome = await Promise.race([closing, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") await server?.kill();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/**
 * Signs an author in without a browser, through the same OAuth code + PKCE flow the site uses, and returns the
 * ID token (what the site sends as `Authorization: Bearer`).
 */
export async function signInLocally(
  siteUrl: string,
  author: { readonly email: string; readonly name: string },
): Promise<string> {
  const config = (await (await fetch(new URL("/config.json", siteUrl))).json()) as {
    auth: { authorizeUrl: string; tokenUrl: string; clientId: string };
  };
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = new URL("/author", siteUrl).toString();
  const form = new URLSearchParams({
    client_id: config.auth.clientId,
    redirect_uri: redirectUri,
    state: "harness",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    email: author.email,
    name: author.name,
  });
  const authorized = await fetch(new URL(config.auth.authorizeUrl, siteUrl), {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  const code = new URL(authorized.headers.get("location") ?? "", siteUrl).searchParams.get("code");
  if (!code) throw new Error(`Local sign-in failed (${authorized.status}): ${await authorized.text()}`);
  const tokens = await fetch(new URL(config.auth.tokenUrl, siteUrl), {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.auth.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  if (!tokens.ok) throw new Error(`Token exchange failed (${tokens.status}): ${await tokens.text()}`);
  return ((await tokens.json()) as { id_token: string }).id_token;
}

/** Polls `probe` every 250 ms until it returns a value (not undefined); throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Where an identity pool and its uploads bucket answer (absolute URLs: the test process has no page to resolve against). */
export interface IdentityPoolEndpoints {
  readonly identityPoolId: string;
  readonly region: string;
  readonly loginProvider: string;
  readonly identityEndpoint: string;
  readonly s3Endpoint: string;
}

/**
 * What the author page does with the ID token, from the test process: GetId and GetCredentialsForIdentity with the
 * real SDK, and an S3 client signing with those credentials. The caller destroys `s3`.
 */
export async function identityCredentials(
  pool: IdentityPoolEndpoints,
  idToken: string,
): Promise<{ readonly identityId: string; readonly accessKeyId: string; readonly s3: S3Client }> {
  const cognito = new CognitoIdentityClient({ region: pool.region, endpoint: pool.identityEndpoint });
  try {
    const Logins = { [pool.loginProvider]: idToken };
    const { IdentityId } = await cognito.send(
      new GetIdCommand({ IdentityPoolId: pool.identityPoolId, Logins }),
    );
    const { Credentials } = await cognito.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));
    const accessKeyId = Credentials?.AccessKeyId ?? "";
    const s3 = new S3Client({
      region: pool.region,
      endpoint: pool.s3Endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId,
        secretAccessKey: Credentials?.SecretKey ?? "",
        sessionToken: Credentials?.SessionToken,
      },
    });
    return { identityId: IdentityId ?? "", accessKeyId, s3 };
  } finally {
    cognito.destroy();
  }
}
