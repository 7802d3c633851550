/**
 * The environment contract at compile time (`npm run typecheck` fails when an `@ts-expect-error` below has nothing
 * to expect) and the bindings at synth time: a binding sets its variable and grants its access together.
 */
import type { FunctionEnvironment } from "../../lib/function-environment";
import { bindTable } from "../../lib/function-grants";
import { NodeFunction } from "../../lib/node-function";
import { policy } from "./synth";
import { synthInStack } from "./test-stack";

const welcome = { SES_SENDER: "Blog <no-reply@example.com>", SUBSCRIBERS_TABLE: "s", IDEMPOTENCY_TABLE: "i" };

const thumbnail = { UPLOADS_BUCKET: "u", MEDIA_BUCKET: "m", PHOTOS_TABLE: "p" };
type Welcome = FunctionEnvironment<"welcome-email">;
type Thumbnail = FunctionEnvironment<"thumbnail">;

export const accepted: Welcome[] = [
  { ...welcome, SITE_URL: "https://blog.example.com" },
  { ...welcome, SITE_URL_PARAMETER: "/myblog/dev/site-url", LOG_LEVEL: "DEBUG" },
];
// @ts-expect-error a required variable is missing (the site's address, one way or the other)
export const missing: Welcome = { ...welcome };
// @ts-expect-error SITE_URL and SITE_URL_PARAMETER exclude each other
export const both: Welcome = { ...welcome, SITE_URL: "https://x", SITE_URL_PARAMETER: "/p" };
// @ts-expect-error a misspelt variable
export const misspelt: Thumbnail = { ...thumbnail, THUMBNAIL_WIDHTS: "400" };
// @ts-expect-error Lambda sets AWS_REGION itself
export const reserved: Thumbnail = { ...thumbnail, AWS_REGION: "eu-west-1" };

describe("NodeFunction environment", () => {
  it("sets a bound variable to the resource's name and grants the access, with a Sid named after the variable", () => {
    const json = synthInStack((scope) => {
      const fn = new NodeFunction(scope, "thumbnail", {
        handler: "thumbnail",
        description: "test",
        environment: {
          UPLOADS_BUCKET: "uploads",
          MEDIA_BUCKET: "media",
          PHOTOS_TABLE: bindTable({ name: "photos", arn: "arn:aws:dynamodb:eu-west-1:1:table/photos" }, [
            "UpdateItem",
          ]),
        },
      });
      fn.addEnvironment("MAX_MEGAPIXELS", "20");
    });
    const [lambda] = Object.values(json.resource!.aws_lambda_function) as any[];
    expect(lambda.environment.variables).toEqual({
      POWERTOOLS_SERVICE_NAME: "thumbnail",
      LOG_LEVEL: "INFO",
      UPLOADS_BUCKET: "uploads",
      MEDIA_BUCKET: "media",
      PHOTOS_TABLE: "photos",
      MAX_MEGAPIXELS: "20",
    });
    const [rolePolicy] = Object.values(json.resource!.aws_iam_role_policy);
    expect(policy(rolePolicy.policy).Statement).toContainEqual({
      Sid: "PhotosTable",
      Effect: "Allow",
      Action: ["dynamodb:UpdateItem"],
      Resource: "arn:aws:dynamodb:eu-west-1:1:table/photos",
    });
  });
});
