/** The rule catalog, by service, in the order the report and docs/security-rules.md list it. */
import type { Rule } from "../rule";
import { apiGatewayRules } from "./apigateway";
import { dataRules } from "./data";
import { hygieneRules } from "./hygiene";
import { iamRules } from "./iam";
import { iamReferenceChecks } from "./iam-reference";
import { lambdaRules } from "./lambda";
import { originVerificationRules } from "./origin-verification";
import { publicRules } from "./public";
import { s3Rules } from "./s3";

export const RULE_SECTIONS: readonly (readonly [title: string, rules: readonly Rule[]])[] = [
  ["S3", s3Rules],
  ["API Gateway", apiGatewayRules],
  ["Lambda and event source mappings", lambdaRules],
  ["API origin verification", originVerificationRules],
  ["RDS, ElastiCache, DynamoDB", dataRules],
  ["Public policies and open ingress", publicRules],
  ["IAM", iamRules],
  ["IAM against the Service Authorization Reference", iamReferenceChecks],
  ["Hygiene", hygieneRules],
];

export const ALL_RULES: readonly Rule[] = RULE_SECTIONS.flatMap(([, rules]) => rules);
