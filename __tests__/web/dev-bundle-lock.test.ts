/** Dev servers of one checkout take turns bundling (a lock file), and a lock left by a killed one is taken over. */
import * as fs from "fs";
import * as path from "path";
import { withBundleLock } from "../../dev/bundle-handlers";
import { PROJECT_ROOT } from "../../lib/paths";

const LOCK = path.join(PROJECT_ROOT, ".build", "dev", "bundle.lock");

test("two bundling runs never overlap", async () => {
  const events: string[] = [];
  const run = (name: string) =>
    withBundleLock(async () => {
      events.push(`${name} start`);
      expect(fs.readFileSync(LOCK, "utf8")).toBe(String(process.pid));
      await new Promise((resolve) => setTimeout(resolve, 150));
      events.push(`${name} end`);
      return name;
    });
  await expect(Promise.all([run("a"), run("b")])).resolves.toEqual(["a", "b"]);
  expect(events).toEqual(["a start", "a end", "b start", "b end"]);
  expect(fs.existsSync(LOCK)).toBe(false);
});

test("a lock whose holder no longer exists is taken over, and the lock is released after a failure", async () => {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  fs.writeFileSync(LOCK, "2147483646"); // no such process
  await expect(withBundleLock(async () => "ran")).resolves.toBe("ran");
  await expect(withBundleLock(async () => Promise.reject(new Error("bundle failed")))).rejects.toThrow(
    "bundle failed",
  );
  expect(fs.existsSync(LOCK)).toBe(false);
});
