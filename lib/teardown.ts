/**
 * What a destroy of an environment may delete: one rule for every data store's protections (deletion protection,
 * buckets and vaults emptied by the destroy), read from the environment's `production` and `teardown` settings.
 */
import type { EnvironmentConfig } from "../config/schema";

type Teardown = Pick<EnvironmentConfig, "production" | "teardown">;

/**
 * Whether `terraform destroy` empties this environment's buckets (every object version) and backup vaults with them
 * (`force_destroy`): outside production always, in production once `teardown` is set and applied.
 */
export function deletesDataOnDestroy(env: Teardown): boolean {
  return !env.production || env.teardown;
}

/** A store's configured deletion protection, which `teardown` lifts. */
export function deletionProtected(configured: boolean, env: Teardown): boolean {
  return configured && !env.teardown;
}
