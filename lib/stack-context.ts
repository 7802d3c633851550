/**
 * What every construct of a layer stack reads from its stack instead of props passed by hand: names, the
 * environment's settings (log retention, release, production), region and account, the network layer's key and ops
 * topic (registered once per stack), and the stack's CodeDeploy releases. `StackContext.of(scope)` finds it.
 */
import { TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import type { Names } from "./naming";
import { Releases } from "./release";

/** The network layer's foundations that every other layer encrypts with and alarms to. */
export interface SharedFoundations {
  /** Customer-managed key encrypting data, logs, topics, queues and parameters. */
  readonly kmsKeyArn: string;
  /** SNS topic every alarm and failed release notifies. */
  readonly opsTopicArn: string;
}

export interface StackContextProps {
  readonly names: Names;
  /** The stack's layer: names its CodeDeploy application and role. */
  readonly layer: string;
  readonly env: EnvironmentConfig;
  readonly region: string;
  /** Read on first use: the stack adds its caller-identity data source only when something needs the account. */
  readonly accountId: () => string;
  /** What the stack knows of the network's foundations (the edge layer has no ops topic). @default none yet */
  readonly foundations?: Partial<SharedFoundations>;
}

const contexts = new WeakMap<IConstruct, StackContext>();

export class StackContext {
  /** The context of the stack `scope` belongs to. */
  static of(scope: IConstruct): StackContext {
    const stack = TerraformStack.of(scope);
    const context = contexts.get(stack);
    if (!context) throw new Error(`${scope.node.path}: stack ${stack.node.id} provides no StackContext`);
    return context;
  }

  public readonly names: Names;
  public readonly env: EnvironmentConfig;
  public readonly region: string;
  private readonly props: StackContextProps;
  private foundations: Partial<SharedFoundations>;
  private releasesOfStack?: Releases;

  /** Becomes the context of `stack`: one per stack. */
  constructor(
    private readonly stack: TerraformStack,
    props: StackContextProps,
  ) {
    if (contexts.has(stack)) throw new Error(`stack ${stack.node.id} already has a StackContext`);
    contexts.set(stack, this);
    this.props = props;
    this.names = props.names;
    this.env = props.env;
    this.region = props.region;
    this.foundations = { ...props.foundations };
  }

  /** Registers the network's key and ops topic (the network stack, which creates them, registers its own). */
  useFoundations(foundations: SharedFoundations): void {
    this.foundations = { ...foundations };
  }

  get accountId(): string {
    return this.props.accountId();
  }

  get kmsKeyArn(): string {
    return this.foundation("kmsKeyArn");
  }

  get opsTopicArn(): string {
    return this.foundation("opsTopicArn");
  }

  /**
   * The stack's CodeDeploy releases (lib/release.ts), created when the first function is released through CodeDeploy:
   * named for its layer, reporting to the ops topic, run with the role its providers assume.
   */
  get releases(): Releases {
    this.releasesOfStack ??= new Releases(this.stack, "releases", {
      names: this.names,
      layer: this.props.layer,
      settings: this.env.release,
      opsTopicArn: this.opsTopicArn,
      kmsKeyArn: this.kmsKeyArn,
      region: this.region,
      account: this.env.account,
      sessionName: this.stack.node.id,
      accountId: this.accountId,
    });
    return this.releasesOfStack;
  }

  private foundation(name: keyof SharedFoundations): string {
    const value = this.foundations[name];
    if (value === undefined)
      throw new Error(
        `stack ${this.stack.node.id} registered no ${name}: give it the network's outputs (props.network)`,
      );
    return value;
  }
}
