/**
 * The filter-policy matcher against the examples of the Amazon SNS Developer Guide (string value matching, numeric
 * value matching, key matching, AND/OR logic, example filter policies): each policy with the attributes and bodies
 * the guide says it matches and does not match.
 */
import {
  FilterPolicyError,
  matchesFilterPolicy,
  type FilterPolicy,
  type MessageAttribute,
} from "../../shared/sns-filter-policy";

const str = (Value: string): MessageAttribute => ({ Type: "String", Value });
const num = (Value: number | string): MessageAttribute => ({ Type: "Number", Value: String(Value) });
const arr = (values: unknown[]): MessageAttribute => ({
  Type: "String.Array",
  Value: JSON.stringify(values),
});

const byAttributes = (policy: FilterPolicy, attributes: Record<string, MessageAttribute>) =>
  matchesFilterPolicy(policy, { body: "message", attributes }, "MessageAttributes");
const byBody = (policy: FilterPolicy, body: unknown) =>
  matchesFilterPolicy(policy, { body: JSON.stringify(body) }, "MessageBody");

describe("string value matching", () => {
  test("exact: any listed value, each String.Array element on its own", () => {
    const policy = { customer_interests: ["rugby", "tennis"] };
    expect(byAttributes(policy, { customer_interests: str("rugby") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("tennis") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: arr(["rugby", "tennis"]) })).toBe(true);
    expect(byBody(policy, { customer_interests: "rugby" })).toBe(true);
    expect(byBody(policy, { customer_interests: "tennis" })).toBe(true);

    expect(byAttributes(policy, { customer_interests: str("baseball") })).toBe(false);
    expect(byAttributes(policy, { customer_interests: arr(["baseball"]) })).toBe(false);
    expect(byBody(policy, { customer_interests: "baseball" })).toBe(false);
  });

  test("matching is case-sensitive unless equals-ignore-case", () => {
    expect(byAttributes({ customer_interests: ["tennis"] }, { customer_interests: str("TENNIS") })).toBe(
      false,
    );
    const policy = { customer_interests: [{ "equals-ignore-case": "tennis" }] };
    expect(byAttributes(policy, { customer_interests: str("TENNIS") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("Tennis") })).toBe(true);
    expect(byBody(policy, { customer_interests: "tennis" })).toBe(true);
    expect(byBody(policy, { customer_interests: "baseball" })).toBe(false);
  });

  test("anything-but: values not listed; a String.Array matches when an element is not listed", () => {
    const policy = { customer_interests: [{ "anything-but": ["rugby", "tennis"] }] };
    expect(byAttributes(policy, { customer_interests: str("baseball") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("football") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: arr(["rugby", "baseball"]) })).toBe(true);
    expect(byBody(policy, { customer_interests: "baseball" })).toBe(true);
    expect(byBody(policy, { customer_interests: "football" })).toBe(true);

    expect(byAttributes(policy, { customer_interests: str("rugby") })).toBe(false);
    expect(byAttributes(policy, { customer_interests: str("tennis") })).toBe(false);
    expect(byBody(policy, { customer_interests: "rugby" })).toBe(false);
    // An absent key is not "anything but": combine with "exists": false for that.
    expect(byAttributes(policy, { store: str("example_corp") })).toBe(false);
    const orAbsent = { customer_interests: [{ "anything-but": ["rugby", "tennis"] }, { exists: false }] };
    expect(byAttributes(orAbsent, { store: str("example_corp") })).toBe(true);
  });

  test("anything-but a single value, as in the guide's example policy", () => {
    const policy = { event: [{ "anything-but": "order_cancelled" }] };
    expect(byAttributes(policy, { event: str("order_placed") })).toBe(true);
    expect(byAttributes(policy, { event: str("order_cancelled") })).toBe(false);
  });

  test("anything-but prefix", () => {
    const policy = { event: [{ "anything-but": { prefix: "order-" } }] };
    expect(byAttributes(policy, { event: str("data-entry") })).toBe(true);
    expect(byAttributes(policy, { event: str("order_number") })).toBe(true);
    expect(byBody(policy, { event: "data-entry" })).toBe(true);
    expect(byBody(policy, { event: "order_number" })).toBe(true);

    expect(byAttributes(policy, { event: str("order-cancelled") })).toBe(false);
    expect(byBody(policy, { event: "order-cancelled" })).toBe(false);
  });

  test("anything-but suffix", () => {
    const policy = { event: [{ "anything-but": { suffix: "ed" } }] };
    expect(byAttributes(policy, { event: str("order_placing") })).toBe(true);
    expect(byAttributes(policy, { event: str("order_cancelled") })).toBe(false);
  });

  test("prefix", () => {
    const policy = { customer_interests: [{ prefix: "bas" }] };
    expect(byAttributes(policy, { customer_interests: str("baseball") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("basketball") })).toBe(true);
    expect(byBody(policy, { customer_interests: "baseball" })).toBe(true);
    expect(byBody(policy, { customer_interests: "basketball" })).toBe(true);

    expect(byAttributes(policy, { customer_interests: str("rugby") })).toBe(false);
    expect(byBody(policy, { customer_interests: "rugby" })).toBe(false);
  });

  test("suffix", () => {
    const policy = { customer_interests: [{ suffix: "ball" }] };
    expect(byAttributes(policy, { customer_interests: str("baseball") })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("basketball") })).toBe(true);
    expect(byBody(policy, { customer_interests: "baseball" })).toBe(true);

    expect(byAttributes(policy, { customer_interests: str("rugby") })).toBe(false);
    expect(byBody(policy, { customer_interests: "rugby" })).toBe(false);
  });

  test("strings never match numbers and numbers never match strings", () => {
    expect(byAttributes({ price_usd: ["100"] }, { price_usd: num(100) })).toBe(false);
    expect(byBody({ price_usd: [100] }, { price_usd: "100" })).toBe(false);
  });
});

describe("numeric value matching", () => {
  test("exact (=), in any notation", () => {
    const policy = { price_usd: [{ numeric: ["=", 301.5] }] };
    expect(byAttributes(policy, { price_usd: num(301.5) })).toBe(true);
    expect(byAttributes(policy, { price_usd: num("3.015e2") })).toBe(true);
    expect(byBody(policy, { price_usd: 301.5 })).toBe(true);
    expect(matchesFilterPolicy(policy, { body: '{"price_usd": 3.015e2}' }, "MessageBody")).toBe(true);
    expect(byAttributes(policy, { price_usd: num(301) })).toBe(false);
    // A number sent as a String attribute is a string.
    expect(byAttributes(policy, { price_usd: str("301.5") })).toBe(false);
  });

  test("anything-but numbers", () => {
    const policy = { price: [{ "anything-but": [100, 500] }] };
    expect(byAttributes(policy, { price: num(101) })).toBe(true);
    expect(byAttributes(policy, { price: num(100.1) })).toBe(true);
    expect(byBody(policy, { price: 101 })).toBe(true);
    expect(byBody(policy, { price: 100.1 })).toBe(true);

    expect(byAttributes(policy, { price: num(100) })).toBe(false);
    expect(byAttributes(policy, { price: num(500) })).toBe(false);
    expect(byBody(policy, { price: 500 })).toBe(false);
  });

  test("value range: a lower and an upper bound together", () => {
    const policy = { price: [{ numeric: [">", 0, "<=", 150] }] };
    for (const price of [0.01, 1, 100, 150]) expect(byAttributes(policy, { price: num(price) })).toBe(true);
    for (const price of [0, -5, 150.01, 1000])
      expect(byAttributes(policy, { price: num(price) })).toBe(false);
    expect(byBody(policy, { price: 75 })).toBe(true);
    expect(byBody(policy, { price: 151 })).toBe(false);
  });

  test("each comparison operator", () => {
    const at = (price: number, range: (string | number)[]) =>
      byBody({ price: [{ numeric: range }] }, { price });
    expect(at(99, ["<", 100])).toBe(true);
    expect(at(100, ["<", 100])).toBe(false);
    expect(at(100, ["<=", 100])).toBe(true);
    expect(at(101, [">", 100])).toBe(true);
    expect(at(100, [">=", 100])).toBe(true);
    expect(at(99, [">=", 100])).toBe(false);
  });
});

describe("key matching", () => {
  test('"exists": true matches a message that has the key', () => {
    const policy = { store: [{ exists: true }] };
    expect(
      byAttributes(policy, { store: str("fans"), customer_interests: arr(["baseball", "basketball"]) }),
    ).toBe(true);
    expect(byBody(policy, { store: "fans", customer_interests: ["baseball", "basketball"] })).toBe(true);

    expect(byAttributes(policy, { customer_interests: arr(["baseball", "basketball"]) })).toBe(false);
    expect(byBody(policy, { customer_interests: ["baseball", "basketball"] })).toBe(false);
    expect(byBody(policy, { store: null })).toBe(false);
  });

  test('"exists": false matches a message without the key, but never one without any attribute', () => {
    const policy = { store: [{ exists: false }] };
    expect(byAttributes(policy, { customer_interests: arr(["baseball", "basketball"]) })).toBe(true);
    expect(byBody(policy, { customer_interests: ["baseball", "basketball"] })).toBe(true);

    expect(
      byAttributes(policy, { store: str("fans"), customer_interests: arr(["baseball", "basketball"]) }),
    ).toBe(false);
    expect(byBody(policy, { store: "fans", customer_interests: ["baseball", "basketball"] })).toBe(false);
    expect(byAttributes(policy, {})).toBe(false);
  });
});

describe("AND/OR logic", () => {
  test("AND across properties", () => {
    const policy = { customer_interests: ["rugby"], price_usd: [{ numeric: [">", 100] }] };
    expect(byAttributes(policy, { customer_interests: str("rugby"), price_usd: num(101) })).toBe(true);
    expect(byBody(policy, { customer_interests: "rugby", price_usd: 150 })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("rugby"), price_usd: num(100) })).toBe(false);
    expect(byAttributes(policy, { customer_interests: str("tennis"), price_usd: num(101) })).toBe(false);
    expect(byAttributes(policy, { customer_interests: str("rugby") })).toBe(false);
  });

  test("OR across the values of one property", () => {
    const policy = { customer_interests: ["rugby", "football", "baseball"] };
    for (const interest of ["rugby", "football", "baseball"])
      expect(byAttributes(policy, { customer_interests: str(interest) })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str("tennis") })).toBe(false);
  });

  test('"$or" across properties, combined with AND', () => {
    const policy: FilterPolicy = {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization"] }, { namespace: ["AWS/EC2"] }],
    };
    // (source AND metricName) OR (source AND namespace)
    expect(byAttributes(policy, { source: str("aws.cloudwatch"), metricName: str("CPUUtilization") })).toBe(
      true,
    );
    expect(byAttributes(policy, { source: str("aws.cloudwatch"), namespace: str("AWS/EC2") })).toBe(true);
    expect(byBody(policy, { source: "aws.cloudwatch", namespace: "AWS/EC2" })).toBe(true);
    expect(byAttributes(policy, { source: str("aws.cloudwatch"), metricName: str("ReadLatency") })).toBe(
      false,
    );
    expect(byAttributes(policy, { source: str("aws.ec2"), namespace: str("AWS/EC2") })).toBe(false);
  });

  test('"$or" nested inside a body property, and "$or" with one branch is a property name', () => {
    const policy: FilterPolicy = {
      source: ["aws.cloudwatch"],
      detail: { $or: [{ state: ["ALARM"] }, { severity: [{ numeric: [">=", 3] }] }] },
    };
    expect(byBody(policy, { source: "aws.cloudwatch", detail: { state: "ALARM" } })).toBe(true);
    expect(byBody(policy, { source: "aws.cloudwatch", detail: { state: "OK", severity: 4 } })).toBe(true);
    expect(byBody(policy, { source: "aws.cloudwatch", detail: { state: "OK", severity: 1 } })).toBe(false);

    // Not a list of more than one policy: a property that happens to be called "$or".
    expect(byBody({ $or: ["x"] }, { $or: "x" })).toBe(true);
    expect(byBody({ $or: ["x"] }, { a: "x" })).toBe(false);
  });
});

describe("message body scope", () => {
  const order = {
    store: "example_corp",
    event: "order_placed",
    customer_interests: ["soccer", "rugby", "hockey"],
    price_usd: 210.75,
  };
  const examplePolicy: FilterPolicy = {
    store: ["example_corp"],
    event: [{ "anything-but": "order_cancelled" }],
    customer_interests: ["rugby", "football", "baseball"],
    price_usd: [{ numeric: [">=", 100] }],
  };

  test("the guide's example policy accepts its example message, as attributes and as a body", () => {
    expect(byBody(examplePolicy, order)).toBe(true);
    expect(
      byAttributes(examplePolicy, {
        customer_interests: arr(order.customer_interests),
        store: str(order.store),
        event: str(order.event),
        price_usd: num(order.price_usd),
      }),
    ).toBe(true);
    expect(byBody(examplePolicy, { ...order, event: "order_cancelled" })).toBe(false);
    expect(byBody(examplePolicy, { ...order, price_usd: 99 })).toBe(false);
  });

  test("nested keys reach nested objects, and arrays of objects match by any element", () => {
    const policy: FilterPolicy = {
      order: { customer: { tier: ["gold"] }, total: [{ numeric: [">", 100] }] },
    };
    expect(byBody(policy, { order: { customer: { tier: "gold", name: "x" }, total: 120 } })).toBe(true);
    expect(byBody(policy, { order: { customer: { tier: "silver" }, total: 120 } })).toBe(false);
    expect(byBody(policy, { order: { tier: "gold", total: 120 } })).toBe(false);

    const records: FilterPolicy = { Records: { s3: { object: { key: [{ suffix: ".png" }] } } } };
    expect(
      byBody(records, {
        Records: [{ s3: { object: { key: "a.jpg" } } }, { s3: { object: { key: "b.png" } } }],
      }),
    ).toBe(true);
    expect(byBody(records, { Records: [{ s3: { object: { key: "a.jpg" } } }] })).toBe(false);
  });

  test("a body that is not a JSON object matches nothing; attribute scope refuses nesting", () => {
    expect(matchesFilterPolicy({ a: ["x"] }, { body: "plain text" }, "MessageBody")).toBe(false);
    expect(matchesFilterPolicy({ a: ["x"] }, { body: '["x"]' }, "MessageBody")).toBe(false);
    expect(() => byAttributes({ a: { b: ["x"] } }, { a: str("x") })).toThrow(FilterPolicyError);
  });

  test("an operator SNS does not know is refused", () => {
    const policy = { a: [{ wildcard: "x*" }] } as unknown as FilterPolicy;
    expect(() => byBody(policy, { a: "xy" })).toThrow(/unknown filter operator "wildcard"/);
    expect(() => byBody({ a: [{ numeric: [">"] }] }, { a: 1 })).toThrow(FilterPolicyError);
  });
});
