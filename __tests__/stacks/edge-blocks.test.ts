/**
 * The edge layer's building blocks on their own, in a stack like the edge's: the addresses they keep and the
 * combinations they refuse. (What the edge stack wires together: edge.test.ts.)
 */
import { Names } from "../../lib/naming";
import { StaticSite } from "../../lib/static-site";
import type { BlogStack } from "../../stacks/blog-stack";
import { synthInLayer } from "./layer-stack";
import { resources } from "./synth";

const names = new Names("app", "dev", "eu-west-1");
const synth = (define: (stack: BlogStack) => void) => synthInLayer("edge", define);

describe("StaticSite", () => {
  const site = (stack: BlogStack) =>
    new StaticSite(stack, "site", { names, kmsKeyArn: "key", accessLogBucket: "logs" });

  it("keeps the addresses the edge stack gave the bucket and files, and leaves the policy to the distribution", () => {
    const json = synth((stack) => site(stack).publish({}));
    expect(Object.keys(resources(json, "aws_s3_bucket"))).toEqual(["web_bucket_58BAB46E"]);
    expect(resources(json, "aws_s3_bucket_policy")).toEqual({});
    const objects = resources(json, "aws_s3_object");
    expect(objects["site-index-html"]).toMatchObject({
      key: "index.html",
      content_type: "text/html; charset=utf-8",
    });
    expect(objects["site-config"]).toMatchObject({ key: "config.json", cache_control: "no-cache" });
  });

  it("publishes once: the configuration names what exists only after the bucket", () => {
    expect(() =>
      synth((stack) => {
        const s = site(stack);
        s.publish({});
        s.publish({});
      }),
    ).toThrow("the site is published once");
  });
});
