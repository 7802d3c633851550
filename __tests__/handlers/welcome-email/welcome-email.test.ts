/**
 * welcome-email against real local services: dynalite (subscribers + idempotency tables) and aws-ses-v2-local.
 * Only SES faults (throttling, rejection) are imitated, by a proxy in front of the real local SES.
 */
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { startAwsLocal, type AwsLocal } from "../../../local/aws-local";
import { createWelcomeEmailHandler, type WelcomeEmailHandler } from "../../../handlers/welcome-email/app";
import { loadWelcomeEmailConfig } from "../../../handlers/welcome-email/config";
import type { FunctionEnvironment } from "../../../lib/function-environment";
import { createSesClient } from "../../../handlers/welcome-email/send";
import { MalformedRecordError, parseSubscriber } from "../../../handlers/welcome-email/subscriber";
import {
  escapeHtml,
  renderTemplate,
  renderWelcomeEmail,
  TemplateError,
} from "../../../handlers/welcome-email/template";
import { lambdaContext, streamEvent, streamRecord } from "./stream-records";
import { startSesFaultProxy, type SesFaultProxy } from "./ses-fault-proxy";

const SUBSCRIBERS = "subscribers-test";
const IDEMPOTENCY = "idempotency-test";
const SENDER = "Photo Blog <no-reply@blog.example.com>";
const SITE_URL = "https://blog.example.com";

describe("welcome e-mail template", () => {
  it("renders subject, text and HTML, escaping values in the HTML body only", () => {
    const email = renderWelcomeEmail({
      name: `Ada <script>alert("x")</script>`,
      email: "ada@example.com",
      siteName: "blog.example.com",
      siteUrl: SITE_URL,
    });
    expect(email.subject).toBe(`Welcome to blog.example.com, Ada <script>alert("x")</script>`);
    expect(email.text).toContain(`Hello Ada <script>alert("x")</script>,`);
    expect(email.text).toContain(`Read the latest posts: ${SITE_URL}`);
    expect(email.html).toContain("Hello Ada &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,");
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain(`<a href="${SITE_URL}"`);
    expect(email.html).not.toMatch(/\{\{/);
  });

  it("refuses a placeholder without a value", () => {
    expect(() => renderTemplate("Hi {{name}} from {{place}}", { name: "x" })).toThrow(
      new TemplateError("Template placeholder {{place}} has no value"),
    );
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });
});

describe("parseSubscriber", () => {
  it("reads email and name from the NewImage, lower-casing the address and cleaning the name", () => {
    const record = streamRecord(SUBSCRIBERS, {
      email: "Ada@Example.com",
      name: " Ada\r\nBcc: x@y.z\u0000 ",
      subscribedAt: "t",
    });
    expect(parseSubscriber(record)).toEqual({ email: "ada@example.com", name: "Ada Bcc: x@y.z" });
    expect(parseSubscriber(streamRecord(SUBSCRIBERS, { email: "b@example.com" }))).toEqual({
      email: "b@example.com",
    });
  });

  it("reports every problem of a malformed record", () => {
    const bad = streamRecord(SUBSCRIBERS, { email: "not-an-address", name: 42 });
    expect(() => parseSubscriber(bad)).toThrow(MalformedRecordError);
    try {
      parseSubscriber(bad);
    } catch (err) {
      expect((err as MalformedRecordError).problems).toEqual([
        "email must be an e-mail address",
        "name must be a string",
      ]);
    }
    const noImage = streamRecord(SUBSCRIBERS, { email: "a@example.com" });
    delete noImage.dynamodb!.NewImage;
    expect(() => parseSubscriber(noImage)).toThrow(
      "Stream record has no NewImage (is the stream view type NEW_IMAGE?)",
    );
    const missingEmail = streamRecord(SUBSCRIBERS, { name: "Ada" }, { keys: { email: "x" } });
    expect(() => parseSubscriber(missingEmail)).toThrow(
      "Subscriber record is malformed: email must be an e-mail address",
    );
  });
});

describe("loadWelcomeEmailConfig", () => {
  it("names every missing or invalid variable at once", () => {
    expect(() => loadWelcomeEmailConfig({ SES_SENDER: "nobody", SITE_URL: "ftp://x" })).toThrow(
      "The welcome-email function's environment is invalid: " +
        "SES_SENDER: must be an e-mail address, optionally with a display name: Blog <no-reply@example.com>; " +
        "SUBSCRIBERS_TABLE is not set; IDEMPOTENCY_TABLE is not set; " +
        "SITE_URL: must be an http(s) URL such as https://blog.example.com",
    );
  });

  it("wants the site's address from SITE_URL or SITE_URL_PARAMETER, exactly one", () => {
    const base = { SES_SENDER: SENDER, SUBSCRIBERS_TABLE: "s", IDEMPOTENCY_TABLE: "i" };
    expect(() => loadWelcomeEmailConfig(base)).toThrow(
      "The welcome-email function's environment is invalid: SITE_URL or SITE_URL_PARAMETER is not set",
    );
    expect(() =>
      loadWelcomeEmailConfig({ ...base, SITE_URL: SITE_URL, SITE_URL_PARAMETER: "/myblog/dev/site-url" }),
    ).toThrow("SITE_URL_PARAMETER: must not be set with SITE_URL");
    expect(loadWelcomeEmailConfig({ ...base, SITE_URL_PARAMETER: "/myblog/dev/site-url" })).toMatchObject({
      SITE_URL_PARAMETER: "/myblog/dev/site-url",
    });
  });

  it("accepts a complete environment", () => {
    const config = loadWelcomeEmailConfig({
      SES_SENDER: SENDER,
      SUBSCRIBERS_TABLE: "s",
      IDEMPOTENCY_TABLE: "i",
      SITE_URL: SITE_URL,
    });
    expect(config).toMatchObject({ SES_SENDER: SENDER, LOG_LEVEL: "INFO", SITE_URL });
    expect(config.SES_CONFIGURATION_SET).toBeUndefined();
  });
});

describe("welcome-email handler against dynalite and aws-ses-v2-local", () => {
  let aws: AwsLocal;
  let proxy: SesFaultProxy;
  let dynamo: DynamoDBDocumentClient;
  let logger: Logger;
  let handler: WelcomeEmailHandler;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    aws = await startAwsLocal();
    Object.assign(process.env, aws.env);
    await aws.createTables({ subscribers: SUBSCRIBERS, idempotency: IDEMPOTENCY });
    proxy = await startSesFaultProxy(aws.sesEndpoint);
    process.env.AWS_ENDPOINT_URL_SES = proxy.endpoint;
    const dynamoClient = new DynamoDBClient({});
    dynamo = DynamoDBDocumentClient.from(dynamoClient);
    logger = new Logger({ serviceName: "welcome-email-test", logLevel: "SILENT" });
    handler = createWelcomeEmailHandler({
      ses: createSesClient({ maxAttempts: 3 }),
      dynamo,
      idempotencyStore: new DynamoDBPersistenceLayer({
        tableName: IDEMPOTENCY,
        awsSdkV3Client: dynamoClient,
      }),
      logger,
      config: { sender: SENDER, subscribersTable: SUBSCRIBERS, siteUrl: SITE_URL },
    });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await proxy?.close();
    await aws?.stop();
  });

  afterEach(() => {
    proxy.faultFor = () => undefined;
    jest.restoreAllMocks();
  });

  /** Writes the subscriber as the API does and returns the stream record DynamoDB emits for that insert. */
  async function subscribe(email: string, name?: string) {
    const item = { email, name, subscribedAt: new Date().toISOString() };
    await dynamo.send(
      new PutCommand({
        TableName: SUBSCRIBERS,
        Item: item,
        ConditionExpression: "attribute_not_exists(email)",
      }),
    );
    return streamRecord(SUBSCRIBERS, item);
  }

  async function emailsTo(address: string) {
    return (await aws.sentEmails()).filter((email) => email.to.includes(address));
  }

  it("fails only the malformed record, and a retried batch sends exactly one e-mail per subscriber", async () => {
    const errorLog = jest.spyOn(logger, "error");
    const alice = await subscribe("alice@example.com", "Alice");
    const malformed = streamRecord(SUBSCRIBERS, { email: "broken", name: "Mallory" });
    const bob = await subscribe("bob@example.com", "Bob");

    const first = await handler(streamEvent(alice, malformed, bob), lambdaContext());
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: malformed.dynamodb!.SequenceNumber }] });
    expect(errorLog).toHaveBeenCalledWith(
      "Malformed subscriber record: failing it so that it reaches the on-failure destination",
      expect.objectContaining({
        eventID: malformed.eventID,
        sequenceNumber: malformed.dynamodb!.SequenceNumber,
        problems: ["email must be an e-mail address"],
      }),
    );

    // Lambda retries from the failed record on (and bisects the whole batch): the malformed record keeps failing,
    // its neighbours are not e-mailed again.
    expect(await handler(streamEvent(malformed, bob), lambdaContext())).toEqual(first);
    expect(await handler(streamEvent(alice, malformed, bob), lambdaContext())).toEqual(first);

    const [toAlice, toBob] = [await emailsTo("alice@example.com"), await emailsTo("bob@example.com")];
    expect(toAlice).toHaveLength(1);
    expect(toBob).toHaveLength(1);
    expect(toAlice[0]).toMatchObject({ from: SENDER, subject: "Welcome to blog.example.com, Alice" });
    expect(toAlice[0].text).toContain("Hello Alice,");
    expect(toAlice[0].html).toContain("Hello Alice,");

    const stored = await dynamo.send(
      new GetCommand({ TableName: SUBSCRIBERS, Key: { email: "alice@example.com" } }),
    );
    expect(stored.Item?.welcomedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    // One completed idempotency record per subscriber, under a prefix that does not depend on the function name.
    const records = (await dynamo.send(new ScanCommand({ TableName: IDEMPOTENCY }))).Items ?? [];
    expect(records.filter((record) => record.status === "COMPLETED")).toHaveLength(2);
    expect(records.every((record) => String(record.id).startsWith("welcome-email#"))).toBe(true);
  });

  it("retries a record SES rejected and then sends exactly one e-mail", async () => {
    const carol = await subscribe("carol@example.com", "Carol");
    const dave = await subscribe("dave@example.com");
    let rejections = 0;
    proxy.faultFor = (to) =>
      to.includes("carol@example.com") && rejections++ === 0 ? "MessageRejected" : undefined;

    const first = await handler(streamEvent(carol, dave), lambdaContext());
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: carol.dynamodb!.SequenceNumber }] });
    expect(await emailsTo("carol@example.com")).toHaveLength(0);

    expect(await handler(streamEvent(carol, dave), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await emailsTo("carol@example.com")).toHaveLength(1);
    const toDave = await emailsTo("dave@example.com");
    expect(toDave).toHaveLength(1);
    expect(toDave[0].text).toContain("Hello there,");
  });

  it("retries SES throttling with backoff inside one invocation", async () => {
    const erin = await subscribe("erin@example.com", "Erin");
    let throttled = 0;
    proxy.faultFor = (to) => (to.includes("erin@example.com") && throttled++ < 2 ? "Throttling" : undefined);
    const started = Date.now();

    expect(await handler(streamEvent(erin), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(proxy.requests.filter((request) => request.to.includes("erin@example.com"))).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(await emailsTo("erin@example.com")).toHaveLength(1);
  });

  it("fails the record when throttling outlasts the client's attempts, and the retry sends one e-mail", async () => {
    const frank = await subscribe("frank@example.com");
    proxy.faultFor = (to) => (to.includes("frank@example.com") ? "Throttling" : undefined);
    const first = await handler(streamEvent(frank), lambdaContext());
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: frank.dynamodb!.SequenceNumber }] });
    expect(proxy.requests.filter((request) => request.to.includes("frank@example.com"))).toHaveLength(3);

    proxy.faultFor = () => undefined;
    expect(await handler(streamEvent(frank), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await emailsTo("frank@example.com")).toHaveLength(1);
  }, 60_000);

  it("ignores MODIFY records and subscribers removed before their welcome", async () => {
    const gina = await subscribe("gina@example.com", "Gina");
    await dynamo.send(new DeleteCommand({ TableName: SUBSCRIBERS, Key: { email: "gina@example.com" } }));
    const modify = streamRecord(
      SUBSCRIBERS,
      { email: "harry@example.com", welcomedAt: "t" },
      { eventName: "MODIFY" },
    );

    expect(await handler(streamEvent(gina, modify), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await emailsTo("gina@example.com")).toHaveLength(0);
    expect(await emailsTo("harry@example.com")).toHaveLength(0);
  });

  it("index.ts wires the same handler from the environment", async () => {
    const ivan = await subscribe("ivan@example.com", "Ivan");
    const variables: FunctionEnvironment<"welcome-email"> = {
      SES_SENDER: SENDER,
      SUBSCRIBERS_TABLE: SUBSCRIBERS,
      IDEMPOTENCY_TABLE: IDEMPOTENCY,
      SITE_URL: SITE_URL,
      LOG_LEVEL: "SILENT",
    };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SES: aws.sesEndpoint, ...variables });
    try {
      const entry = jest.requireActual<typeof import("../../../handlers/welcome-email/index")>(
        "../../../handlers/welcome-email/index",
      );
      expect(await entry.handler(streamEvent(ivan), lambdaContext())).toEqual({ batchItemFailures: [] });
      expect(await emailsTo("ivan@example.com")).toHaveLength(1);
    } finally {
      process.env.AWS_ENDPOINT_URL_SES = proxy.endpoint;
    }
  });

  it("serves the local SES inbox viewer for the dev environment", async () => {
    const page = await fetch(aws.sesInboxUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("index.ts fails fast with a clear message when the environment is incomplete", () => {
    delete process.env.SES_SENDER;
    jest.isolateModules(() => {
      expect(() => jest.requireActual("../../../handlers/welcome-email/index")).toThrow(
        "The welcome-email function's environment is invalid: SES_SENDER is not set",
      );
    });
  });
});
