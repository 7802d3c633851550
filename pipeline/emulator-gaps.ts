/**
 * The one list of what the AWS emulator (moto, the version pinned in requirements-test.txt) does not do the
 * way AWS does, met when applying the `dev` stacks, and how the emulated deploy handles each: a resource the
 * emulator cannot create is left out of the apply (references to it get a stand-in value), an attribute it
 * does not store is ignored in the no-changes re-plan, a resource it cannot delete is dropped from state
 * before the destroy. Anything else that fails or diffs is a bug of ours.
 */

export interface NotImplementedGap {
  readonly kind: "not-implemented";
  /** Resource type, or `type.name` for one resource. */
  readonly resource: string;
  /** Only these arguments are left out (the resource is created without them). @default the whole resource */
  readonly attributes?: readonly string[];
  /**
   * Values some of `attributes` take instead of being left out, where leaving one out would give it the provider's
   * default, which is the very call the emulator lacks.
   */
  readonly emulatorValues?: Readonly<Record<string, boolean | string | number>>;
  /** What the emulator answers. */
  readonly emulatorSays: string;
  /** Why this is the emulator's gap and not a defect of the stacks. */
  readonly why: string;
}

export interface AttributeNotStoredGap {
  readonly kind: "attribute-not-stored";
  readonly resource: string;
  /**
   * Attribute paths whose planned value the emulator does not give back: a top-level attribute, or a nested
   * one with list positions as `[*]` (`origin[*].origin_access_control_id`); a path covers what lies under it.
   */
  readonly attributes: readonly string[];
  readonly emulatorSays: string;
  readonly why: string;
}

/** The emulator creates the resource but cannot delete it: it is dropped from state before the destroy. */
export interface NotDeletableGap {
  readonly kind: "not-deletable";
  readonly resource: string;
  readonly emulatorSays: string;
  readonly why: string;
}

/**
 * The emulator accepts the calls but does not enforce what AWS enforces: nothing in the emulated deploy changes,
 * and the behaviour is tested where it is enforced (`testedIn`).
 */
export interface NotEnforcedGap {
  readonly kind: "not-enforced";
  readonly resource: string;
  readonly emulatorSays: string;
  readonly why: string;
  /** Where the behaviour AWS enforces is tested instead. */
  readonly testedIn: string;
}

export type EmulatorGap = NotImplementedGap | AttributeNotStoredGap | NotDeletableGap | NotEnforcedGap;

export const EMULATOR_GAPS: readonly EmulatorGap[] = [
  {
    kind: "not-implemented",
    resource: "aws_backup_selection",
    emulatorSays:
      "PUT /backup/plans/<id>/selections/: HTTP 500 (no such route; moto 5.2.5 routes backup plans, vaults, vault locks, tags and report plans)",
    why: "moto implements AWS Backup's vaults and plans but not selections; only with backup.plan, off in dev",
  },
  {
    kind: "not-implemented",
    resource: "aws_elasticache_user_group",
    emulatorSays: "NotImplementedError: The create_user_group action has not been implemented (HTTP 500)",
    why: "CreateUserGroup is an ElastiCache API for RBAC user groups (Redis 6+/Valkey); moto implements users, not groups",
  },
  {
    kind: "not-implemented",
    resource: "aws_elasticache_replication_group",
    emulatorSays:
      "CreateReplicationGroup succeeds, then DescribeCacheClusters <group>-001: CacheClusterNotFound (HTTP 404)",
    why: "moto creates the replication group without its member cache clusters, which the provider reads after create",
  },
  {
    kind: "not-implemented",
    resource: "aws_ses_configuration_set",
    attributes: ["delivery_options"],
    emulatorSays: "PutConfigurationSetDeliveryOptions: HTTP 500 (not implemented); the set itself is created",
    why: "moto implements SES configuration sets but not their delivery options (our TLS-required setting)",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_db_instance",
    attributes: [
      "performance_insights_enabled",
      "performance_insights_kms_key_id",
      "performance_insights_retention_period",
    ],
    emulatorSays: "CreateDBInstance accepts EnablePerformanceInsights; DescribeDBInstances returns it false",
    why: "moto does not model Performance Insights, so every plan would turn it on again",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_db_parameter_group",
    attributes: ["parameter"],
    emulatorSays:
      "DescribeDBParameters (Source=user) returns none of the parameters ModifyDBParameterGroup set",
    why: "moto keeps the parameters but not their source, and the provider reads back only user-set ones",
  },
  {
    kind: "not-implemented",
    resource: "aws_lambda_function",
    attributes: ["logging_config"],
    emulatorSays: "CreateFunction accepts LoggingConfig (JSON format, log group); GetFunction returns none",
    why:
      "moto does not store a function's logging configuration, so every plan would set it again; left out of the " +
      "emulated apply because with publish = true each such update would also publish a new version",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_lambda_event_source_mapping",
    attributes: ["function_name"],
    emulatorSays:
      "CreateEventSourceMapping with the alias ARN (…:live); GetEventSourceMapping answers …:<version>",
    why: "moto resolves the alias to the version it points at when it stores a mapping; AWS keeps the alias",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_codedeploy_deployment_group",
    attributes: ["alarm_configuration", "load_balancer_info"],
    emulatorSays:
      "CreateDeploymentGroup accepts alarmConfiguration; GetDeploymentGroup returns none, and an empty loadBalancerInfo",
    why: "moto does not store a deployment group's rollback alarms and answers an empty load-balancer block for Lambda",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_sqs_queue",
    attributes: ["redrive_policy"],
    emulatorSays:
      'GetQueueAttributes answers RedrivePolicy re-serialised ({"deadLetterTargetArn": "…", …}, with spaces)',
    why: "the same policy in other JSON formatting; the provider compares the strings",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_vpc_security_group_ingress_rule",
    attributes: ["description"],
    emulatorSays:
      "AuthorizeSecurityGroupIngress accepts the rule description; DescribeSecurityGroupRules returns none",
    why: "moto drops the description of a security group rule created on its own (aws_vpc_security_group_*_rule)",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_vpc_security_group_egress_rule",
    attributes: ["description"],
    emulatorSays:
      "AuthorizeSecurityGroupEgress accepts the rule description; DescribeSecurityGroupRules returns none",
    why: "as for ingress rules: moto does not keep the description",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_cloudfront_distribution",
    attributes: [
      "origin[*].origin_access_control_id",
      "default_cache_behavior[*].forwarded_values",
      "ordered_cache_behavior[*].forwarded_values",
      "viewer_certificate[*].ssl_support_method",
      "default_cache_behavior[*].function_association",
    ],
    emulatorSays:
      "GetDistribution returns origins without OriginAccessControlId, behaviours with default ForwardedValues " +
      "and no FunctionAssociations, and SSLSupportMethod sni-only for the default certificate",
    why:
      "moto keeps neither the origins' OAC id nor the absence of ForwardedValues (we use cache policies, which it " +
      "does not implement either), and fills in sni-only where AWS leaves SSLSupportMethod unset " +
      '(cloudfront/models.py: `config.get("SSLSupportMethod") or "sni-only"`); it answers every behaviour with ' +
      '`function_associations = {"Quantity": 0}` whatever was sent (the viewer-request function\'s association ' +
      "is checked by the synth assertions of __tests__/stacks/edge.test.ts)",
  },
  {
    kind: "attribute-not-stored",
    resource: "aws_s3_bucket_acl",
    attributes: ["access_control_policy[*].owner[*].id"],
    emulatorSays:
      "GetBucketAcl names the owner 75aa57f0…ba06a while ListBuckets (data.aws_canonical_user_id) says bcaf1ffd…081034f",
    why: "moto hard-codes two different canonical user ids for the same account in its S3 responses",
  },
  {
    kind: "not-implemented",
    resource: "aws_s3_bucket_logging",
    emulatorSays:
      "PutBucketLogging: HTTP 500, AttributeError: 'str' object has no attribute 'get' in _log_permissions_enabled_policy",
    why:
      "moto checks the target bucket's policy for the logging service principal and crashes on a statement " +
      'whose Principal is the string "*" (our DenyInsecureTransport statement, valid IAM that S3 accepts)',
  },
  {
    kind: "not-implemented",
    resource: "aws_s3_object",
    emulatorSays: "PutObject into the web bucket: HTTP 403 Forbidden (HeadObject too, on destroy)",
    why:
      "moto's policy evaluation (iam/access_control.py, IAMPolicyStatement.is_action_permitted) returns DENIED for " +
      "any statement whose Condition does not match, instead of ignoring the statement; our DenyInsecureTransport " +
      "(Deny when aws:SecureTransport is false) therefore denies every object write, over TLS too",
  },
  {
    kind: "not-deletable",
    resource: "aws_elasticache_subnet_group",
    emulatorSays: "DeleteCacheSubnetGroup: HTTP 500 (moto implements create and describe, not delete)",
    why: "moto's ElastiCache has no delete_cache_subnet_group; the subnet group is created and read back as AWS does",
  },
  {
    kind: "not-implemented",
    resource: "aws_ses_event_destination",
    emulatorSays:
      "CreateConfigurationSetEventDestination keeps only the last destination of a configuration set " +
      "(one per set), and DeleteConfigurationSetEventDestination answers HTTP 500",
    why:
      "moto models one event destination per configuration set and cannot delete one; SES keeps up to ten per " +
      "set (ours: bounces and complaints to the ops topic, and to the mail-feedback function's topic)",
  },
  {
    kind: "not-deletable",
    resource: "aws_codedeploy_deployment_group",
    emulatorSays:
      "DeleteDeploymentGroup: HTTP 500 (moto's CodeDeploy implements create, get, list and tags only)",
    why: "moto has no delete_deployment_group; the group is created and read back as AWS does",
  },
  {
    kind: "not-deletable",
    resource: "aws_codedeploy_app",
    emulatorSays:
      "DeleteApplication: HTTP 500 (moto's CodeDeploy implements create, get, list and tags only)",
    why: "moto has no delete_application; the application is created and read back as AWS does",
  },
  {
    kind: "not-implemented",
    resource: "aws_cognito_identity_pool_roles_attachment",
    emulatorSays: "SetIdentityPoolRoles: NotImplementedError (HTTP 500); the identity pool itself is created",
    why: "moto implements identity pools, GetId and GetCredentialsForIdentity, not the pool's role mapping",
  },
  {
    kind: "not-enforced",
    resource: "aws_cognito_identity_pool",
    emulatorSays:
      "GetCredentialsForIdentity returns the same fixed credentials (TESTACCESSKEY12345) for every identity, " +
      "bound to no role; S3 accepts them anywhere, even with moto's IAM checks on",
    why:
      "moto neither issues per-identity credentials of the pool's role nor evaluates the policy variable " +
      "${cognito-identity.amazonaws.com:sub}, so it cannot show one author kept out of another's folder",
    testedIn:
      "the local identity pool stand-in of `npm run dev`, which evaluates the role's own statements " +
      "(shared/author-folders.ts) per identity, and the synth assertions of __tests__/stacks/author-folders.test.ts",
  },
  {
    kind: "not-implemented",
    resource: "aws_cloudfront_function",
    attributes: ["publish"],
    emulatorValues: { publish: false },
    emulatorSays:
      "PublishFunction: HTTP 404 (moto's CloudFront routes only /function, /function/{name} and /function/{name}/describe)",
    why:
      "moto implements CreateFunction, DescribeFunction, GetFunction, ListFunctions and DeleteFunction, not " +
      "PublishFunction, UpdateFunction or TestFunction: the function is created (code, runtime, comment) and stays in " +
      "the DEVELOPMENT stage; moto ignores the Stage parameter, so the LIVE etag reads back as the development one. " +
      "The code's behaviour is tested by running it (__tests__/edge/viewer-request.test.ts)",
  },
  {
    kind: "not-implemented",
    resource: "aws_cloudfront_cache_policy",
    emulatorSays: "CreateCachePolicy: HTTP 404 (moto's CloudFront has no /cache-policy routes)",
    why: "moto implements distributions, OAC, functions and key groups, not cache policies",
  },
  {
    kind: "not-implemented",
    resource: "aws_cloudfront_origin_request_policy",
    emulatorSays: "CreateOriginRequestPolicy: HTTP 404 (no /origin-request-policy routes)",
    why: "moto's CloudFront does not implement origin request policies",
  },
  {
    kind: "not-implemented",
    resource: "aws_cloudfront_response_headers_policy",
    emulatorSays: "CreateResponseHeadersPolicy: HTTP 404 (no /response-headers-policy routes)",
    why: "moto's CloudFront does not implement response headers policies",
  },
  {
    kind: "not-enforced",
    resource: "aws_db_instance",
    emulatorSays:
      "RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime answer with an instance available at once, " +
      "copying the source's current settings and data whatever the snapshot or time asked for",
    why: "moto keeps no storage history: it models the calls and the placement of the copy, not the data of a past time",
    testedIn:
      "the restore rehearsal of npm run deploy:local (pipeline/emulated-restore.ts) checks the calls and the copy's subnets, security group and key; the data at a time only AWS can show (docs/operations.md)",
  },
  {
    kind: "not-enforced",
    resource: "aws_dynamodb_table",
    emulatorSays:
      "RestoreTableToPointInTime copies the items as they are now, ignores SSESpecificationOverride and reports no encryption for the copy",
    why: "moto keeps no item history and no per-table key for a restored table",
    testedIn:
      "__tests__/pipeline/restore-rehearsal.test.ts and the deploy's restore rehearsal check the restore and its cleanup; the key of the copy is judged only where the emulator reports one",
  },
  {
    kind: "not-enforced",
    resource: "aws_s3_bucket_policy",
    emulatorSays:
      "PutObject over its TLS endpoint: HTTP 403 AccessDenied, from the DenyInsecureTransport statement (moto: 'Only statements with principal=* are taken into account; Conditions are not taken into account')",
    why: "moto applies a Deny with Principal * whatever its aws:SecureTransport condition; AWS denies only plain HTTP",
    testedIn:
      "the restore rehearsal lifts the policy for its object calls and puts the same document back (pipeline/emulated-restore.ts); the TLS-only rule itself is checked by Checkov and the rule pack",
  },
];

/** Whether a gap names this resource (by type, or by `type.name`). */
export function gapMatches(gap: EmulatorGap, type: string, name: string): boolean {
  return gap.resource === type || gap.resource === `${type}.${name}`;
}
