/**
 * Which consumer of the uploads topic receives which upload event: the filter policies the events stack gives
 * Terraform and the local event router applies (shared/sns-filter-policy.ts). Both read the S3 event body
 * (MessageBody scope): S3 notifications carry no message attributes (see handlers/shared/upload-events.ts).
 */
import type { FilterPolicy, FilterPolicyScope } from "../shared/sns-filter-policy";
import { UPLOADS_PREFIX } from "../handlers/shared/upload-events";
import { IMAGE_EXTENSIONS } from "../shared/contracts/limits";

export interface UploadSubscription {
  readonly filterPolicy: FilterPolicy;
  readonly filterPolicyScope: FilterPolicyScope;
}

const created = { eventName: [{ prefix: "ObjectCreated:" }] };

export const UPLOAD_SUBSCRIPTIONS = {
  /** Images only: anything else can never become a photo (S3's test event has no Records and matches neither). */
  thumbnail: {
    filterPolicyScope: "MessageBody",
    filterPolicy: {
      Records: { ...created, s3: { object: { key: IMAGE_EXTENSIONS.map((suffix) => ({ suffix })) } } },
    },
  },
  /** Every upload of an author, whatever its type; zero-byte objects are folder placeholders, not uploads. */
  "upload-stats": {
    filterPolicyScope: "MessageBody",
    filterPolicy: {
      Records: {
        ...created,
        s3: { object: { key: [{ prefix: UPLOADS_PREFIX }], size: [{ numeric: [">", 0] }] } },
      },
    },
  },
} as const satisfies Record<string, UploadSubscription>;
