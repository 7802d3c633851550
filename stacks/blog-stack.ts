/**
 * What every layer stack has in common: its name (`<app>-<env>-<layer>`), the AWS provider (tied to the
 * environment's account when it has one), the state backend chosen by configuration, the required tags, `stack_facts`
 * that the rule pack reads, and the context its constructs read (lib/stack-context.ts).
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Aspects, TerraformLocal, TerraformOutput, TerraformStack, type TerraformElement } from "cdktf";
import type { Construct, Node } from "constructs";
import { siteDomainOf, statePlacement } from "../config/ownership";
import { backendOf, type BlogConfig, type EnvironmentConfig } from "../config/schema";
import { guardAccount } from "../lib/account-guard";
import { addressedNode, claimAddress } from "../lib/addressing";
import { AlarmFanIn } from "../lib/alarm-fan-in";
import { configureBackend } from "../lib/backend";
import { Names } from "../lib/naming";
import { StackContext, type SharedFoundations } from "../lib/stack-context";
import { TagsAspect } from "../lib/tags";
import { factsToLocal } from "../shared/account-access";

export type Layer = "network" | "data" | "events" | "api" | "edge";

export interface BlogStackProps {
  readonly config: BlogConfig;
  /** Environment name, a key of `config.environments`. */
  readonly envName: string;
  /**
   * The network layer's key and ops topic, registered once as the stack's context (`StackContext.of`): what its
   * constructs encrypt with and alarm to. @default none (the network stack registers its own)
   */
  readonly network?: Partial<SharedFoundations>;
}

export abstract class BlogStack extends TerraformStack {
  public readonly config: BlogConfig;
  public readonly env: EnvironmentConfig;
  public readonly envName: string;
  public readonly names: Names;
  public readonly layer: Layer;
  public readonly provider: AwsProvider;
  /** What this stack's constructs read instead of props passed by hand. */
  protected readonly context: StackContext;
  private callerIdentity?: DataAwsCallerIdentity;

  constructor(scope: Construct, layer: Layer, props: BlogStackProps) {
    const stackName = `${props.config.appName}-${props.envName}-${layer}`;
    super(scope, stackName);
    this.config = props.config;
    this.envName = props.envName;
    this.layer = layer;
    this.env = props.config.environments[props.envName];
    this.names = new Names(props.config.appName, props.envName, props.config.region);
    this.context = new StackContext(this, {
      names: this.names,
      layer,
      env: this.env,
      region: props.config.region,
      accountId: () => this.accountId,
      foundations: props.network && {
        kmsKeyArn: props.network.kmsKeyArn,
        opsTopicArn: props.network.opsTopicArn,
      },
    });

    this.provider = new AwsProvider(this, "aws", { region: props.config.region });
    const account = this.env.account;
    if (account) guardAccount(this, { account, stackName });
    configureBackend(this, backendOf(props.config, props.envName), {
      stackName,
      ...statePlacement(props.config, props.envName, layer),
      account,
    });
    Aspects.of(this).add(
      new TagsAspect({
        ...props.config.tags,
        app: props.config.appName,
        env: props.envName,
        layer,
        "managed-by": "cdktf",
      }),
    );
    Aspects.of(this).add(new AlarmFanIn(this.env.alarmTopicSubscriptions, props.config.region));
    new TerraformLocal(this, "stack_facts", {
      app: props.config.appName,
      environment: props.envName,
      layer,
      production: this.env.production,
      // The pipeline reads the account and roles back from here (shared/account-access.ts).
      ...(account ? { account: factsToLocal(account) } : {}),
    });
  }

  /**
   * A provider configured like this stack's own, for resources that must live in another region (`alias` =
   * the region). One per region and stack.
   */
  providerIn(region: string): AwsProvider {
    const id = `aws-${region}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing as AwsProvider;
    return new AwsProvider(this, id, { region, alias: region });
  }

  /** Account id, read at plan time (synth needs no AWS account). */
  get accountId(): string {
    this.callerIdentity ??= new DataAwsCallerIdentity(this, "caller");
    return this.callerIdentity.accountId;
  }

  /** Host name of the site when a domain is configured: the domain itself for its owner, else labelled (config/ownership.ts). */
  get siteDomain(): string | undefined {
    return siteDomainOf(this.config, this.envName);
  }

  /**
   * SSM parameter holding the site's URL: the edge stack writes it (only it knows the CloudFront address), the
   * welcome e-mail reads it. Named by convention, so the upstream events stack needs nothing from edge.
   */
  get siteUrlParameterName(): string {
    return this.names.parameter("site-url");
  }

  /** ARN of an SSM parameter of this account and region (`name` starts with `/`). */
  parameterArn(name: string): string {
    return `arn:aws:ssm:${this.region}:${this.accountId}:parameter${name}`;
  }

  get region(): string {
    return this.config.region;
  }

  /** Resources in `keepAddresses` groups keep the address they would have in the group's parent. */
  protected override allocateLogicalId(element: TerraformElement | Node): string {
    return claimAddress(this, super.allocateLogicalId(addressedNode(element)), element);
  }

  /** Outputs an operator needs after a deploy (`cdktf output`), with a description. */
  /** `value` is text, or a list of records (each field text) that `cdktf output` shows as JSON. */
  protected output(
    id: string,
    value: string | readonly Readonly<Record<string, string>>[],
    description: string,
    sensitive = false,
  ): void {
    new TerraformOutput(this, id, { value, description, sensitive });
  }
}
