/** The rule catalog, in the order the report lists it. */
import type { Rule } from "../rule";
import { apiGatewayRules } from "./apigateway";
import { cloudfrontRules } from "./cloudfront";
import { dataRules } from "./data";
import { hygieneRules } from "./hygiene";
import { iamRules } from "./iam";
import { iamReferenceChecks } from "./iam-reference";
import { lambdaRules } from "./lambda";
import { messagingRules } from "./messaging";
import { networkRules } from "./network";
import { originVerificationRules } from "./origin-verification";
import { publicRules } from "./public";
import { s3Rules } from "./s3";

export const ALL_RULES: readonly Rule[] = [
  ...s3Rules,
  ...cloudfrontRules,
  ...apiGatewayRules,
  ...lambdaRules,
  ...originVerificationRules,
  ...dataRules,
  ...messagingRules,
  ...networkRules,
  ...publicRules,
  ...iamRules,
  ...iamReferenceChecks,
  ...hygieneRules,
];
