/**
 * An SNS topic, encrypted with the stack's key, that receives one bucket's object-created events under a prefix: the
 * topic, a policy that lets only that bucket of this account publish, and the bucket's notification.
 */
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Construct } from "constructs";
import { keepAddresses } from "./addressing";
import { policyDocument } from "./iam";
import { StackContext } from "./stack-context";

export interface BucketEventTopicProps {
  readonly bucket: { readonly name: string; readonly arn: string };
  /** Only objects under this key prefix raise events. */
  readonly prefix: string;
}

/** `<id>-topic` (named `<app>-<env>-<id>`), `<id>-topic-policy` and `<id>-notification`. */
export class BucketEventTopic extends Construct {
  public readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: BucketEventTopicProps) {
    super(scope, id);
    // The events stack declared these resources itself before this construct existed.
    keepAddresses(this);
    const { names, kmsKeyArn, accountId } = StackContext.of(this);
    this.topic = new SnsTopic(this, `${id}-topic`, {
      name: names.resource(id, 256),
      kmsMasterKeyId: kmsKeyArn,
    });
    const camel = id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
    new SnsTopicPolicy(this, `${id}-topic-policy`, {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          Sid: `${camel}BucketPublishes`,
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: "sns:Publish",
          Resource: this.topic.arn,
          Condition: {
            ArnLike: { "aws:SourceArn": props.bucket.arn },
            StringEquals: { "aws:SourceAccount": accountId },
          },
        },
      ]),
    });
    new S3BucketNotification(this, `${id}-notification`, {
      bucket: props.bucket.name,
      topic: [{ topicArn: this.topic.arn, events: ["s3:ObjectCreated:*"], filterPrefix: props.prefix }],
      dependsOn: [this.topic],
    });
  }

  get arn(): string {
    return this.topic.arn;
  }
}
