/** Typed errors of the plan/apply pipeline: the CLIs print `message` and exit 1 without a stack trace. */
export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** `cdktf.out/manifest.json` is missing, unreadable or not what cdktf writes. */
export class ManifestError extends PipelineError {}

/** A stack glob matched nothing, or the arguments are wrong. */
export class UsageError extends PipelineError {}

/** A file given to the summary is not `terraform show -json` output nor a plan summary. */
export class PlanDocumentError extends PipelineError {}

/** The resource address lock is missing, malformed, or does not match the synthesized stacks. */
export class AddressLockError extends PipelineError {}
