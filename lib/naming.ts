/** Resource names derive from app and environment; AWS limits differ per service, so each caller states its own. */
export class Names {
  constructor(
    readonly app: string,
    readonly env: string,
    /** The app's region: part of the names AWS keeps once per account (`global`). */
    readonly region: string,
  ) {}

  /** `<app>-<env>-<suffix>`, refused when it would exceed the service's limit rather than silently cut. */
  resource(suffix: string, maxLength = 64): string {
    const name = `${this.app}-${this.env}-${suffix}`;
    if (name.length > maxLength) {
      throw new Error(
        `Resource name "${name}" is ${name.length} characters; this AWS service allows ${maxLength}`,
      );
    }
    return name;
  }

  /**
   * `<app>-<env>-<region>-<suffix>`, for what AWS names once per account rather than per region — IAM roles,
   * CloudFront policies and origin access controls, WAF for CloudFront, CloudWatch dashboards — and for what the edge
   * layer puts in us-east-1 whatever the app's region: the same environment deployed to a second region of the same
   * account then creates other names instead of colliding.
   */
  global(suffix: string, maxLength = 64): string {
    return this.resource(`${this.region}-${suffix}`, maxLength);
  }

  /** SSM parameter name, `/<app>/<env>/<suffix>`. */
  parameter(suffix: string): string {
    return `/${this.app}/${this.env}/${suffix}`;
  }

  /** Prefix for S3 `bucket_prefix` (AWS appends 26 characters; the whole name must fit in 63). */
  bucketPrefix(suffix: string): string {
    return `${this.resource(suffix, 37)}-`;
  }
}
