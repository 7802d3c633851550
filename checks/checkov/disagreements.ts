/**
 * Which verdict is right, and why, for every id where the pack and Checkov judge the same resources
 * differently on our stacks. The docs generator requires an entry for each such id and refuses stale ones.
 */
export const DISAGREEMENTS: Readonly<Record<string, string>> = {
  CKV_AWS_309:
    "Both, read properly. Checkov is right that the reader routes have no authorizer; they are public by design (readers browse, comment, like and subscribe without an account). The pack passes them because each is declared with `declarePublicRoute(route, reason)`, and the same declaration skips Checkov's failure with that reason, so the exception is written once.",
  CKV_AWS_117:
    "The pack, for this design. Checkov wants every function in a VPC; the thumbnail and welcome-email functions reach only S3, DynamoDB, SNS and SES, public AWS APIs guarded by IAM. In the VPC they would gain no isolation but need ENIs, NAT or interface endpoints and slower cold starts. The pack's rule fails a function that reaches RDS or ElastiCache without the VPC, or sits in the VPC without reaching either.",
  CKV_AWS_116:
    "The pack. Checkov wants `dead_letter_config` on every function, but Lambda uses it only for asynchronous invocations: the API and migration functions are invoked synchronously (the caller gets the error), and a stream consumer's failures go to the on-failure destination of its event source mapping, not to the function's DLQ. The pack requires an on-failure destination (or DLQ) where the trigger is asynchronous and on every stream mapping.",
  CKV_AWS_115:
    "The pack. Checkov wants reserved concurrency on every function; the pack on a function that can hurt a downstream (one in the VPC, which opens database connections, or one that sends e-mail). The one function without a reservation is the API's pre-traffic hook (`release.preTrafficHook`): CodeDeploy invokes it once per release and it calls the API once, so there is nothing to cap, and its skip says so.",
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
