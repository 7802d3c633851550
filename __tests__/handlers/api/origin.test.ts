/** The origin guard on its own: constant-time checks of the accepted values, the reader's address, its key. */
import { randomBytes } from "crypto";
import { createApi } from "../../../handlers/api/app";
import { toApiRequest } from "../../../handlers/api/http";
import {
  addressKey,
  createOriginGuard,
  unverifiedReporter,
  viewerAddress,
} from "../../../handlers/api/origin";
import { rateLimitKeys } from "../../../handlers/api/routes/rate-limits";
import type { RouteDeps } from "../../../handlers/api/routes/context";
import { healthRequest } from "../../../handlers/release-hook/app";
import { createLogger } from "../../../handlers/shared/logger";
import { httpEvent } from "./api-environment";

const value = () => randomBytes(32).toString("hex");

function request(headers: Record<string, string>, sourceIp = "130.176.1.1") {
  return toApiRequest(
    { rawPath: "/api/posts", headers, requestContext: { http: { method: "GET", sourceIp } } },
    "req",
  );
}

describe("createOriginGuard", () => {
  it("admits either accepted value (a rotation's two slots) and takes the reader's address from CloudFront", () => {
    const [old, current] = [value(), value()];
    const guard = createOriginGuard([old, current]);
    for (const presented of [old, current]) {
      const admitted = guard.admit(
        request({ "x-origin-verify": presented, "cloudfront-viewer-address": "198.51.100.10:46532" }),
        {},
      );
      expect(admitted.readerIp).toBe("198.51.100.10");
      expect(admitted.sourceIp).toBe("130.176.1.1");
    }
  });

  it("refuses a missing, wrong, shorter, longer or differently cased value with a 403 origin_not_verified", () => {
    const accepted = value();
    const guard = createOriginGuard([accepted]);
    for (const presented of [
      undefined,
      "",
      value(),
      accepted.slice(1),
      `${accepted}0`,
      accepted.toUpperCase(),
    ]) {
      const headers: Record<string, string> = { "cloudfront-viewer-address": "198.51.100.10:1" };
      if (presented !== undefined) headers["x-origin-verify"] = presented;
      expect(() => guard.admit(request(headers), {})).toThrow(
        expect.objectContaining({ kind: "forbidden", code: "origin_not_verified" }),
      );
    }
  });

  it("keeps the edge's address when the viewer header is missing or malformed (tighter, never looser)", () => {
    const accepted = value();
    const guard = createOriginGuard([accepted]);
    for (const viewer of [
      undefined,
      "",
      "not-an-address:1",
      "198.51.100.10",
      "999.1.1.1:80",
      "1.2.3.4:port",
    ]) {
      const headers: Record<string, string> = { "x-origin-verify": accepted };
      if (viewer !== undefined) headers["cloudfront-viewer-address"] = viewer;
      expect(guard.admit(request(headers), {}).readerIp).toBe("130.176.1.1");
    }
  });

  it("is built only from values long enough to be generated ones", () => {
    expect(() => createOriginGuard([])).toThrow();
    expect(() => createOriginGuard([value(), "short"])).toThrow();
  });

  it("lets only the pre-traffic hook's direct GET /api/health through without a value", () => {
    const guard = createOriginGuard([value()]);
    const hook = healthRequest("d-1");
    expect(guard.admit(toApiRequest(hook, "r"), hook).path).toBe("/api/health");
    const other = { ...hook, rawPath: "/api/posts" };
    expect(() => guard.admit(toApiRequest(other, "r"), other)).toThrow(
      expect.objectContaining({ code: "origin_not_verified" }),
    );
    // The same request through API Gateway carries the API's own id, whatever the client sends.
    const viaGateway = httpEvent("GET", "/api/health", { via: "direct" });
    expect(() => guard.admit(toApiRequest(viaGateway, "r"), viaGateway)).toThrow(
      expect.objectContaining({ code: "origin_not_verified" }),
    );
  });
});

describe("api.originVerification", () => {
  const forged = { "cloudfront-viewer-address": "203.0.113.7:1" };

  it("enforce (the default) refuses a request without a value, as before", () => {
    for (const guard of [createOriginGuard([value()]), createOriginGuard([value()], { mode: "enforce" })]) {
      expect(() => guard.admit(request(forged), {})).toThrow(
        expect.objectContaining({ code: "origin_not_verified" }),
      );
    }
  });

  it("accept-unverified serves a request without a value, limited on its source address despite a forged viewer header", () => {
    const seen: number[] = [];
    const guard = createOriginGuard([value()], {
      mode: "accept-unverified",
      onUnverified: (_request, count) => seen.push(count),
    });
    for (let i = 0; i < 2; i++) {
      const admitted = guard.admit(request(forged, "130.176.9.9"), {});
      expect(admitted.readerIp).toBe("130.176.9.9");
      expect(rateLimitKeys(admitted, undefined)).toEqual(["ip:130.176.9.9"]);
    }
    expect(seen).toEqual([1, 2]);
  });

  it("accept-unverified still refuses a wrong (or empty) value, and trusts the viewer of a right one", () => {
    const accepted = value();
    const guard = createOriginGuard([accepted], {
      mode: "accept-unverified",
      onUnverified: () => {
        throw new Error("counted as unverified");
      },
    });
    for (const presented of [value(), "", accepted.toUpperCase()]) {
      expect(() => guard.admit(request({ ...forged, "x-origin-verify": presented }), {})).toThrow(
        expect.objectContaining({ kind: "forbidden", code: "origin_not_verified" }),
      );
    }
    expect(guard.admit(request({ ...forged, "x-origin-verify": accepted }), {}).readerIp).toBe("203.0.113.7");
  });

  it("logs the first unverified request of a container, then at most one line a minute with the count", () => {
    const lines: Array<Record<string, unknown>> = [];
    let now = 0;
    const report = unverifiedReporter(
      (_message, details) => lines.push(details),
      () => now,
    );
    const served = request({}, "130.176.1.2");
    report(served, 1);
    now = 30_000;
    report(served, 2);
    now = 60_000;
    report(served, 3);
    expect(lines).toEqual([
      { unverifiedRequests: 1, sourceIp: "130.176.1.2", path: "/api/posts" },
      { unverifiedRequests: 3, sourceIp: "130.176.1.2", path: "/api/posts" },
    ]);
  });
});

describe("the reader's address", () => {
  it.each([
    ["198.51.100.10:46532", "198.51.100.10"],
    ["2001:db8:3333:4444:5555:6666:7777:8888:46532", "2001:db8:3333:4444:5555:6666:7777:8888"],
    ["2001:DB8::1:443", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["::ffff:192.0.2.1:80", "::ffff:192.0.2.1"],
  ])("reads %s as %s", (header, address) => expect(viewerAddress(header)).toBe(address));

  it.each([
    ["198.51.100.10", "198.51.100.10"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::9", "2001:db8:1:2::/64"],
    ["2001:db8::", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["2001:db8:1:2::192.0.2.1", "2001:db8:1:2::/64"],
  ])("counts %s as %s", (address, key) => expect(addressKey(address)).toBe(key));

  it("keys the limits on the reader, plus an author's sub and a client id, never the edge", () => {
    const accepted = value();
    const admitted = createOriginGuard([accepted]).admit(
      request({ "x-origin-verify": accepted, "cloudfront-viewer-address": "2001:db8:5:6:7::1:443" }),
      {},
    );
    expect(rateLimitKeys(admitted, "c-1")).toEqual(["ip:2001:db8:5:6::/64", "client:c-1"]);
  });
});

it("answers a request that did not come through CloudFront before touching any dependency", async () => {
  const touched: string[] = [];
  const deps = new Proxy({} as RouteDeps, {
    get(_target, name) {
      if (name === "logger") return createLogger({ serviceName: "test", logLevel: "SILENT", version: "t" });
      touched.push(String(name));
      throw new Error(`dependency ${String(name)} used`);
    },
  });
  // createRoutes reads the dependencies when it builds the routes: count only what runs per request.
  const api = createApi(
    Object.assign(Object.create(deps) as RouteDeps, {
      origin: createOriginGuard([value()]),
      rateLimiter: { enforce: () => Promise.reject(new Error("rate limiter used")) },
      // What a route module builds its own store from (routes/context.ts): a table's name, a client used per request.
      tables: new Proxy({} as RouteDeps["tables"], { get: (_target, table) => String(table) }),
      dynamo: new Proxy({} as RouteDeps["dynamo"], {
        get(_target, name) {
          touched.push(`dynamo.${String(name)}`);
          throw new Error(`dependency dynamo.${String(name)} used`);
        },
      }),
    }),
  );
  touched.length = 0;
  for (const method of ["GET", "POST", "OPTIONS"]) {
    const response = await api(
      httpEvent(method, "/api/posts/page-1/comments", {
        via: "direct",
        headers: { "cloudfront-viewer-address": "198.51.100.1:1" },
      }),
    );
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: "origin_not_verified", message: expect.any(String) },
    });
  }
  expect(touched).toEqual([]);
});
