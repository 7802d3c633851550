/**
 * The environment contract between the stacks and the functions: each handler's variables are the input type of
 * the schema its handler parses (`handlers/<name>/config.ts`). Types only, so no handler code reaches the synth.
 */
import type { ApiEnv } from "../handlers/api/config";
import type { MailFeedbackEnv } from "../handlers/mail-feedback/config";
import type { MigrateEnv } from "../handlers/migrate/config";
import type { ReleaseHookEnv } from "../handlers/release-hook/config";
import type { ThumbnailEnv } from "../handlers/thumbnail/config";
import type { UploadStatsEnv } from "../handlers/upload-stats/config";
import type { WelcomeEmailEnv } from "../handlers/welcome-email/config";
import type { FUNCTIONS } from "../shared/contracts/functions";

/** Handler directory under `handlers/` → the variables its schema reads. */
export interface HandlerEnvironments {
  readonly api: ApiEnv;
  readonly "mail-feedback": MailFeedbackEnv;
  readonly migrate: MigrateEnv;
  readonly "release-hook": ReleaseHookEnv;
  readonly thumbnail: ThumbnailEnv;
  readonly "upload-stats": UploadStatsEnv;
  readonly "welcome-email": WelcomeEmailEnv;
}

export type HandlerName = keyof HandlerEnvironments;

/** Lambda sets these itself and refuses them in a function's configuration. */
type SetByLambda = "AWS_REGION";

type OptionalKeys<E> = {
  [K in keyof E]-?: Partial<Pick<E, K>> extends Pick<E, K> ? K : never;
}[keyof E];

/** A key typed `never` (one of two alternatives that must not be set together) stays forbidden. */
type ValueOf<T, V> = [Exclude<T, undefined>] extends [never] ? never : V;

type EnvironmentFor<E, V> = E extends unknown
  ? { readonly [K in Exclude<keyof E, OptionalKeys<E> | SetByLambda>]: V } & {
      readonly [K in Exclude<OptionalKeys<E>, SetByLambda>]?: ValueOf<E[K], V>;
    }
  : never;

/**
 * The variables given to handler `H`: every variable its schema requires, any it accepts, none it does not know
 * (each a compile error otherwise). `V` is what a value may be: text, or in a stack also a binding (lib/node-function.ts).
 */
export type FunctionEnvironment<H extends HandlerName, V = string> = EnvironmentFor<
  HandlerEnvironments[H],
  V
>;

/**
 * The contract of the functions (shared/contracts/functions.ts), checked against the handlers: `FUNCTIONS` has an
 * entry for every handler and none other, and each static or table variable is one its handler's schema reads.
 */
type Contracts = typeof FUNCTIONS;
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type UnknownStaticVariables = {
  [H in HandlerName]: Exclude<
    keyof Contracts[H]["environment"] | keyof Contracts[H]["tables"],
    FunctionVariable<H>
  >;
}[HandlerName];
type StaticEnvironments = {
  readonly [H in HandlerName]: { readonly environment: Partial<FunctionEnvironment<H>> };
};
export type FunctionContractsChecked = [
  Holds<Equal<keyof Contracts, HandlerName>>,
  Holds<Equal<UnknownStaticVariables, never>>,
  Holds<Contracts extends StaticEnvironments ? true : false>,
];

/** Every variable name handler `H` reads. */
export type FunctionVariable<H extends HandlerName> = HandlerEnvironments[H] extends infer E
  ? E extends unknown
    ? Exclude<keyof E, SetByLambda>
    : never
  : never;
