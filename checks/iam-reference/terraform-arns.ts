/**
 * A policy's Resource entries with their Terraform references resolved to ARN patterns of the right AWS
 * resource type: `${aws_lambda_alias.live.arn}` becomes the reference's `function alias` format, a name becomes
 * one ARN component, a cross-stack value is followed to the upstream stack's output and a local to its
 * expression. The one table of what an attribute holds is ATTRIBUTES; a reference it does not know is reported,
 * never guessed.
 */
import { isObject, type Model } from "../model";
import type { IamReference } from "./reference";

/** An attribute that holds the ARN of a reference resource type, or one component of an ARN. */
type Meaning = { readonly service: string; readonly resourceType: string } | { readonly component: string };

const arn = (service: string, resourceType: string): Meaning => ({ service, resourceType });
/** The placeholder name says whether the value may hold a slash (see arn-pattern.ts). */
const component = (placeholder: string): Meaning => ({ component: placeholder });

/** `<terraform type>.<attribute path>` → what it holds. Complete for what the stacks reference in policies. */
export const ATTRIBUTES: Readonly<Record<string, Meaning>> = {
  "aws_cloudwatch_log_group.arn": arn("logs", "log-group"),
  "aws_cloudwatch_metric_alarm.alarm_name": component("AlarmName"),
  "aws_codedeploy_deployment_group.arn": arn("codedeploy", "deploymentgroup"),
  "aws_db_instance.master_user_secret.secret_arn": arn("secretsmanager", "Secret"),
  "aws_db_instance.resource_id": component("DbiResourceId"),
  "aws_db_proxy.arn": arn("rds", "proxy"),
  "aws_dynamodb_table.arn": arn("dynamodb", "table"),
  "aws_dynamodb_table.stream_arn": arn("dynamodb", "stream"),
  "aws_elasticache_replication_group.arn": arn("elasticache", "replicationgroup"),
  "aws_elasticache_user.arn": arn("elasticache", "user"),
  "aws_kms_key.arn": arn("kms", "key"),
  "aws_lambda_alias.arn": arn("lambda", "function alias"),
  "aws_lambda_function.arn": arn("lambda", "function"),
  "aws_lambda_function.function_name": component("FunctionName"),
  "aws_s3_bucket.arn": arn("s3", "bucket"),
  "aws_security_group.id": component("SecurityGroupId"),
  "aws_ses_configuration_set.arn": arn("ses", "configuration-set"),
  "aws_sns_topic.arn": arn("sns", "topic"),
  "aws_sqs_queue.arn": arn("sqs", "queue"),
  "aws_subnet.id": component("SubnetId"),
  "data.aws_caller_identity.account_id": component("Account"),
};

export type Resolved = { readonly pattern: string } | { readonly error: string };

const MAX_HOPS = 6;
const REMOTE = /^data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)$/;
const LOCAL = /^local\.([\w-]+)$/;
const REFERENCE = /^(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([\w-]+)((?:\.[\w-]+|\[\d+\])+)$/;
/** cdktf's way to take one field of an ARN: `element(split(":", <arn>), <n>)`. */
const ARN_FIELD = /^element\(split\(":",\s*(.+)\),\s*(\d+)\)$/;

export class TerraformArns {
  constructor(
    private readonly model: Model,
    private readonly reference: IamReference,
  ) {}

  /** A Resource entry of a policy in `stack` as an ARN pattern. */
  resolve(stack: string, text: string, hops = 0): Resolved {
    let pattern = "";
    for (let i = 0; i < text.length; i++) {
      if (text.startsWith("$${", i)) {
        // An IAM policy variable (`${aws:username}`, escaped for Terraform): any value at request time.
        const end = text.indexOf("}", i);
        if (end === -1) return { error: `unterminated policy variable in ${text}` };
        pattern += "*";
        i = end;
      } else if (text.startsWith("${", i)) {
        const end = closingBrace(text, i + 1);
        if (end === -1) return { error: `unterminated reference in ${text}` };
        const value = this.expression(stack, text.slice(i + 2, end).trim(), hops);
        if ("error" in value) return value;
        pattern += value.pattern;
        i = end;
      } else pattern += text[i];
    }
    return { pattern };
  }

  private expression(stack: string, expression: string, hops: number): Resolved {
    const cannotTell = (why: string): Resolved => ({
      error: `cannot tell the resource type of \${${expression}}: ${why}`,
    });
    if (hops > MAX_HOPS) return cannotTell("too many hops");
    const remote = REMOTE.exec(expression);
    if (remote) {
      const output = this.model.outputValue(stack, remote[1], remote[2]);
      if (!output) return cannotTell("the upstream stack or its output is not in the synth output");
      if (typeof output.value !== "string") return cannotTell("the upstream output is not a string");
      return this.resolve(output.stack, output.value, hops + 1);
    }
    const local = LOCAL.exec(expression);
    if (local) {
      const locals = this.model.stack(stack)?.json.locals;
      const value = isObject(locals) ? locals[local[1]] : undefined;
      if (typeof value !== "string") return cannotTell("no such string local");
      return this.resolve(stack, value, hops + 1);
    }
    const field = ARN_FIELD.exec(expression);
    if (field) {
      const whole = this.resolve(stack, `\${${field[1]}}`, hops + 1);
      if ("error" in whole) return whole;
      const part = whole.pattern.split(":")[Number(field[2])];
      if (whole.pattern.includes("*") || part === undefined) return cannotTell(`no field ${field[2]}`);
      return { pattern: part };
    }
    const reference = REFERENCE.exec(expression);
    if (!reference) return cannotTell("not a reference the check can follow");
    const [, data, type, name, path] = reference;
    const address = `${data ? "data." : ""}${type}.${name}`;
    if (!this.model.resource(stack, address)) return cannotTell(`${address} is not in stack ${stack}`);
    const attribute = path.replace(/\[\d+\]/g, "").slice(1);
    const meaning = ATTRIBUTES[`${data ? "data." : ""}${type}.${attribute}`];
    if (!meaning)
      return cannotTell(`${type}.${attribute} is not in checks/iam-reference/terraform-arns.ts (ATTRIBUTES)`);
    if ("component" in meaning) return { pattern: `\${${meaning.component}}` };
    const format = this.reference.arnFormat(meaning.service, meaning.resourceType);
    if (!format)
      throw new Error(
        `ATTRIBUTES maps ${type}.${attribute} to ${meaning.service} "${meaning.resourceType}", which the reference lacks`,
      );
    return { pattern: format };
  }
}

/** Index of the `}` closing the `${` whose `{` is at `open`, or -1. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}
