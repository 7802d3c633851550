/**
 * The site's CloudFront Function (edge/viewer-request.js) run with CloudFront's viewer-request event, rule by rule,
 * and checked against what the cloudfront-js-2.0 runtime offers.
 */
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { SLUG_PATTERN } from "../../handlers/api/schemas";
import {
  FUNCTION_CODE_LIMIT_BYTES,
  isEdgeResponse,
  loadViewerRequest,
  viewerRequestCode,
  viewerRequestEvent,
  type EdgeResponse,
  type ViewerRequest,
} from "../../edge/runtime";

const handler = loadViewerRequest();
const run = (url: string, host = "d111111abcdef8.cloudfront.net") =>
  handler(viewerRequestEvent("GET", url, { host, "user-agent": "jest" }));
const rewritten = (url: string, host?: string) => {
  const result = run(url, host);
  if (isEdgeResponse(result)) throw new Error(`${url}: answered ${result.statusCode}, expected a rewrite`);
  return result as ViewerRequest;
};
const answered = (url: string, host?: string) => {
  const result = run(url, host);
  if (!isEdgeResponse(result)) throw new Error(`${url}: rewritten to ${result.uri}, expected an answer`);
  return result as EdgeResponse;
};
const location = (url: string, host?: string) => {
  const response = answered(url, host);
  expect(response.statusCode).toBe(301);
  return response.headers?.location.value;
};

describe("the viewer-request function", () => {
  it("serves the readable URLs from the pages' objects, keeping the query string", () => {
    expect(rewritten("/").uri).toBe("/index.html");
    expect(rewritten("/author").uri).toBe("/author.html");
    const author = rewritten("/author?edit=first-post");
    expect(author.uri).toBe("/author.html");
    expect(author.querystring).toEqual({ edit: { value: "first-post" } });
    expect(rewritten("/posts/first-post").uri).toBe("/post.html");
  });

  it("passes the site's files through unchanged, case included", () => {
    expect(rewritten("/assets/home-AB12CD.js").uri).toBe("/assets/home-AB12CD.js");
    expect(rewritten("/config.json").uri).toBe("/config.json");
    expect(rewritten("/unavailable.html").uri).toBe("/unavailable.html");
  });

  it("redirects old links to the readable URL with a 301, other parameters kept", () => {
    expect(location("/post.html?slug=first-post")).toBe("/posts/first-post");
    expect(location("/post.html?slug=first-post&utm_source=mail")).toBe("/posts/first-post?utm_source=mail");
    expect(location("/index.html")).toBe("/");
    expect(location("/author.html?edit=first-post")).toBe("/author?edit=first-post");
    expect(location("/POST.HTML?slug=First-Post")).toBe("/posts/first-post");
  });

  it("drops trailing slashes and lower-cases route words and slugs, never asset names", () => {
    expect(location("/posts/first-post/")).toBe("/posts/first-post");
    expect(location("/author//")).toBe("/author");
    expect(location("/Author")).toBe("/author");
    expect(location("/Posts/First-Post")).toBe("/posts/first-post");
    expect(location("/ASSETS/home-AB12CD.js")).toBe("/assets/home-AB12CD.js");
    // The API's slugs are lower case: a lower-cased slug can only name the same post.
    expect(SLUG_PATTERN.source).toBe("^[a-z0-9]+(?:-[a-z0-9]+)*$");
    expect(viewerRequestCode()).toContain(`var SLUG = /${SLUG_PATTERN.source}/;`);
  });

  it("redirects a www. host to the host without it, path and query normalised in the same 301", () => {
    expect(location("/posts/first-post", "www.blog.example.com")).toBe(
      "https://blog.example.com/posts/first-post",
    );
    expect(location("/post.html?slug=a-b", "WWW.blog.example.com")).toBe(
      "https://blog.example.com/posts/a-b",
    );
    expect(location("/?x=1", "www.blog.example.com")).toBe("https://blog.example.com/?x=1");
    expect(rewritten("/", "blog.example.com").uri).toBe("/index.html");
  });

  it("answers paths outside the site with the 404 page", () => {
    for (const url of [
      "/wp-login.php",
      "/posts",
      "/posts/Not_A_Slug!",
      "/post.html",
      "/nope/deeper",
      "/.env",
    ]) {
      const response = answered(url);
      expect(response.statusCode).toBe(404);
      expect(response.headers?.["content-type"].value).toMatch(/^text\/html/);
      expect(response.body?.data).toContain("<h1>Page not found</h1>");
    }
  });

  it("keeps repeated query parameters", () => {
    expect(location("/post.html?slug=a&tag=x&tag=y")).toBe("/posts/a?tag=x&tag=y");
  });
});

describe("what the cloudfront-js-2.0 runtime allows", () => {
  const code = viewerRequestCode();

  it(`is under CloudFront's ${FUNCTION_CODE_LIMIT_BYTES}-byte code limit`, () => {
    expect(Buffer.byteLength(code)).toBeLessThan(FUNCTION_CODE_LIMIT_BYTES);
  });

  it("is ES 5.1 (which runtime 2.0 supports in full) with one top-level handler", () => {
    const program = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" });
    const functions = program.body.filter((n) => n.type === "FunctionDeclaration").map((n) => n.id?.name);
    expect(functions).toContain("handler");
  });

  it("calls nothing the runtime lacks: no require, network, timers or dynamic code", () => {
    const program = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" });
    const names: string[] = [];
    walk.simple(program, { Identifier: (node) => names.push((node as acorn.Identifier).name) });
    // Runtime 2.0 offers the modules crypto, querystring, buffer and cloudfront through require; this code needs none.
    for (const unavailable of [
      "require",
      "fetch",
      "XMLHttpRequest",
      "setTimeout",
      "setInterval",
      "eval",
      "Function",
      "process",
      "globalThis",
    ]) {
      expect(names).not.toContain(unavailable);
    }
  });

  it("runs in an empty context: it uses no global the language does not define", () => {
    expect(() => run("/posts/first-post")).not.toThrow();
  });
});
