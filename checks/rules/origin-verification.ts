/** BLOG_API_ORIGIN_VERIFIED: production does not stay in the origin-verification transition past its reviewed end date. */
import { ACCEPT_UNVERIFIED_UNTIL_KEY } from "../../shared/origin-verification";
import { block, isObject } from "../model";
import { NOT_APPLICABLE, resourceRule, type Rule } from "../rule";

/** Today in UTC as YYYY-MM-DD, the form of `api.acceptUnverifiedUntil`. */
const today = () => new Date().toISOString().slice(0, 10);

export const originVerificationRules: readonly Rule[] = [
  resourceRule({
    id: "BLOG_API_ORIGIN_VERIFIED",
    title: "In production, the API refuses requests that did not come through CloudFront",
    description:
      "A production API with ORIGIN_VERIFY_MODE=accept-unverified serves callers that bypass CloudFront (and its WAF) straight at API Gateway's own endpoint. The mode exists for the first rollout of the check; left on, the protection is silently off.",
    remediation:
      'Once the edge stack\'s apply has finished (CloudFront sends x-origin-verify), set api.originVerification to "enforce", remove api.acceptUnverifiedUntil and deploy (docs/handlers.md, "First rollout to a running environment"). To extend the transition, set a later api.acceptUnverifiedUntil in review.',
    types: ["aws_lambda_function"],
    check(fn, ctx) {
      const mode = block(fn.body.environment)?.variables;
      const value = isObject(mode) ? mode.ORIGIN_VERIFY_MODE : undefined;
      if (value === undefined || !ctx.stack.facts.production) return NOT_APPLICABLE;
      if (value === "enforce") return undefined;
      const tags = fn.body.tags;
      const until = isObject(tags) ? tags[ACCEPT_UNVERIFIED_UNTIL_KEY] : undefined;
      if (typeof until !== "string")
        return `serves requests without origin verification (ORIGIN_VERIFY_MODE=${String(value)}) with no end date (api.acceptUnverifiedUntil)`;
      if (today() > until)
        return `still serves requests without origin verification (ORIGIN_VERIFY_MODE=${String(value)}) after its end date ${until} (api.acceptUnverifiedUntil)`;
      return undefined;
    },
  }),
];
