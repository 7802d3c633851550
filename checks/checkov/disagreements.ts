/**
 * Which verdict is right, and why, for every id where the pack and Checkov judge the same resources
 * differently on our stacks. The docs generator requires an entry for each such id and refuses stale ones.
 */
export const DISAGREEMENTS: Readonly<Record<string, string>> = {
  CKV_AWS_309:
    "Both, read properly. Checkov is right that the reader routes have no authorizer; they are public by design (readers browse, comment, like and subscribe without an account). The pack passes them because each is declared with `declarePublicRoute(route, reason)`, and the same declaration skips Checkov's failure with that reason, so the exception is written once.",
  CKV_AWS_338:
    "Checkov for production, the pack for dev. CKV_AWS_338 asks for at least a year, the usual audit requirement; the pack asks the same of production stacks (which keep 365 days and pass both) and only a retention (no logs kept for ever) elsewhere. Dev keeps less by configuration (`logRetentionDays`, `network.flowLogRetentionDays`) and each of its log groups says so in a suppression that Checkov's report shows as a skip.",
  CKV_AWS_157:
    "The pack. Checkov wants Multi-AZ for every RDS instance; the pack requires it in production stacks only. The dev database is single-AZ by configuration (`database.multiAz`), and the skip says so.",
  CKV_AWS_293:
    "The pack. Checkov wants deletion protection everywhere; the pack in production only. Dev turns it off by configuration (`database.deletionProtection`) so an environment can be destroyed, and the skip says so.",
  CKV2_AWS_50:
    "The pack. Checkov wants automatic failover across AZs for every Redis group; the pack in production only. The dev cache is one node by configuration (`cache.nodeCount`, `cache.multiAz`); the API falls back to the database without it.",
  CKV2_AWS_65:
    "Neither: same verdict, different resource. Checkov reports it on `aws_s3_bucket_ownership_controls`, the pack on the bucket the controls belong to. Both fail only the access-log bucket (CloudFront standard logging writes with an ACL), and one reason excuses both.",
};
