/** Bounded parallelism for Terraform runs: independent stacks at once, never more than the machine can take. */
import * as os from "os";

/** Terraform runs at once by default: one per CPU, at most 4 (each holds a provider process of ~300 MB). */
export const defaultConcurrency = () => Math.max(1, Math.min(4, os.cpus().length));

/** Runs `worker` over `items`, at most `limit` at a time, keeping the input order in the result. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

let initQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `task` after every task queued before it has settled. For `terraform init`: Terraform does not promise
 * that concurrent installs into one plugin cache are safe, and an init that finds the cache filled takes ~1 s.
 */
export function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = initQueue.then(task, task);
  initQueue = run.catch(() => undefined);
  return run;
}
