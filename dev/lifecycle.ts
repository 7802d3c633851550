/**
 * Start and stop of the local environment: the one cleanup stack every start registers its stop with, the
 * startup error, and the process bookkeeping the tests use to see that nothing is left behind.
 */
import * as fs from "fs";

export class DevEnvironmentError extends Error {
  override readonly name = "DevEnvironmentError";
}

export type Log = (line: string) => void;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A log whose lines are prefixed with `[name]`, as the functions' logs are printed. */
export function prefixed(name: string, log: Log): Log {
  return (line) => log(`[${name}] ${line}`);
}

/** What was started, stopped last first; a failing stop is logged and the others still run. */
export class CleanupStack {
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  constructor(private readonly log: Log) {}

  push(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** Registers `handle.stop()` and returns the handle. */
  adopt<T extends { stop(): Promise<void> | void }>(handle: T): T {
    this.push(() => handle.stop());
    return handle;
  }

  async stopAll(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        this.log(`while stopping: ${errorMessage(error)}`);
      }
    }
  }
}

/** Direct children of a process, from /proc (Linux); empty elsewhere. */
export function childPidsOf(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}
