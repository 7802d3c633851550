/**
 * Every function of the zero-config synth cold-starts as it ships (matrix/cold-start.ts): its zip imported in a fresh
 * Node process with exactly the variables its stack gives it and what Lambda sets, every network connection refused.
 * `__tests__/matrix/example.test.ts` does the same for one example configuration, `npm run matrix` for all of them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { coldStart, shippedFunctions } from "../../matrix/cold-start";
import { synthApp } from "./synth";

describe("every function cold-starts as it ships", () => {
  const app = synthApp();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "blog-cold-start-"));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const functions = shippedFunctions(app.outdir);

  it("finds every function of every environment", () => {
    const names = functions.map((f) => f.name).sort();
    expect(names).toEqual(
      ["dev", "prod"]
        .flatMap((env) =>
          ["api", "mail-feedback", "migrate", "thumbnail", "upload-stats", "welcome-email"].map(
            (f) => `myblog-${env}-${f}`,
          ),
        )
        // The pre-traffic hook is on in production only (release.preTrafficHook).
        .concat("myblog-prod-api-release-hook")
        .sort(),
    );
  });

  it.each(functions.map((f) => [f.name, f] as const))(
    "%s initialises with its synthesized environment",
    (name, shipped) => {
      const result = coldStart(app.outdir, shipped, work);
      if (!result.ok) throw new Error(`${name} failed to initialise:\n${result.error}`);
    },
  );
});
