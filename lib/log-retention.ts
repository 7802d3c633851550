/**
 * Checkov's CKV_AWS_338 wants a year of logs. Environments configured to keep less (logRetentionDays,
 * flowLogRetentionDays) say so on each log group, with the configured value in the reason.
 */
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { suppress } from "../checks/suppress";

export const ONE_YEAR_DAYS = 365;

export function acceptRetentionBelowAYear(group: CloudwatchLogGroup, days: number, setting: string): void {
  if (days >= ONE_YEAR_DAYS) return;
  suppress(
    group,
    "CKV_AWS_338",
    `This environment keeps these logs ${days} days by configuration (${setting}); production keeps at least a year`,
  );
}
