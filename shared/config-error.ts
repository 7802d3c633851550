/** The one error for configuration that cannot be used (a file, the environment, a secret it names), raised before any work starts. */

export interface ConfigProblem {
  /** What is wrong, by name: a dotted key (`environments.prod.database.multiAz`) or a variable (`DB_PORT`). */
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends Error {
  /** The problems one by one under their keys (the configuration file's); empty where the message alone tells them. */
  readonly problems: readonly ConfigProblem[];

  constructor(message: string, problems: readonly ConfigProblem[] = []) {
    super(message);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
