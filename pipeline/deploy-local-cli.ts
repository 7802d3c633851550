/**
 * npm run deploy:local [-- --env dev] [--outdir cdktf.out] [--stack-timeout 900]
 * Starts the AWS emulator (moto), applies one environment's stacks for real against it, plans again
 * (no changes allowed beyond the listed emulator gaps), writes data (photos with older versions, thumbnails, table
 * items) and tears it down through the reviewed destroy, stops the emulator, and prints a report
 * (also written to .build/emulator/report.json). Exit code 0 only when every step of every stack passed.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { startMoto } from "../local/moto";
import { environmentGlob, parseCli, parseStackTimeoutMs, resolveOutdir, runCli } from "./cli";
import { emulatedDeploy, type EmulatedDeployResult } from "./emulated-deploy";
import { readStacks } from "./manifest";

const USAGE = "npm run deploy:local -- [--env <name>] [--outdir <dir>] [--stack-timeout <seconds>]";

function render(result: EmulatedDeployResult): string {
  const rows = result.stacks.map((s) => {
    const unexplained = s.replanFindings.filter((f) => !f.ignored).length;
    const ignored = s.replanFindings.length - unexplained;
    return (
      `| ${s.stack} | ${s.applied} | ${s.excluded.length} | ${s.planSeconds.toFixed(0)} | ${s.applySeconds.toFixed(0)} ` +
      `| ${s.replan ?? "—"}${ignored ? ` (${ignored} ignored)` : ""} | ${s.destroySeconds?.toFixed(0) ?? "—"} |`
    );
  });
  const lines = [
    "| stack | created | left out (gaps) | plan s | apply s | re-plan | destroy s |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `apply ${result.phases.apply.toFixed(0)} s, re-plan ${result.phases.replan.toFixed(0)} s, destroy ${result.phases.destroy.toFixed(0)} s`,
  ];
  if (result.release)
    lines.push(
      result.release.ok
        ? `\nnew code of ${result.release.function} (${result.release.stack}) applied with terraform apply: ` +
            `live alias on version ${result.release.after} (was ${result.release.before})`
        : `\nrelease check (${result.release.stack}): ${result.release.error}`,
    );
  if (result.upgrade)
    lines.push(
      result.upgrade.ok
        ? `AWS's own changes to ${result.upgrade.instance} (${result.upgrade.stack}) through the emulator: ` +
            `engine ${result.upgrade.before.version} → ${result.upgrade.after.version}, storage ` +
            `${result.upgrade.before.storageGb} → ${result.upgrade.after.storageGb} GiB; engine_version stays ` +
            `${result.upgrade.stateEngineVersion}, re-plan above (${result.upgrade.seconds.toFixed(0)} s)`
        : `upgrade check (${result.upgrade.stack}): ${result.upgrade.error}`,
    );
  for (const r of result.restores?.steps ?? [])
    lines.push(
      r.ok
        ? `restore rehearsed (docs/operations.md, ${r.restore}): ${r.detail} (${r.seconds.toFixed(1)} s)`
        : `restore rehearsal ${r.restore} (${result.restores!.stack}): ${r.error}`,
    );
  const t = result.teardown;
  if (t) {
    if (t.data)
      lines.push(
        `data before the destroy: ${t.data.objects} objects in ${t.data.objectVersions} versions, ` +
          `${t.data.items} table items (${t.data.seconds.toFixed(1)} s)`,
      );
    lines.push(
      `reviewed destroy: plan -destroy and summary ${t.planSeconds.toFixed(0)} s (${t.summaryDeletes.length} stores ` +
        `named), apply downstream first ${t.applySeconds.toFixed(0)} s: ` +
        t.applied.map((a) => `${a.stack} ${a.status} ${a.seconds.toFixed(0)} s`).join(", ") +
        (t.ok ? "" : `\nreviewed destroy failed: ${t.error}`),
    );
  }
  for (const s of result.stacks) {
    if (s.error) lines.push(`\n${s.stack}: ${s.error}`);
    for (const f of s.replanFindings.filter((x) => !x.ignored))
      lines.push(
        `${s.stack}: re-plan wants to ${f.actions.join("/")} ${f.address} (${f.attributes.join(", ")})`,
      );
    if (s.excluded.length > 0) lines.push(`${s.stack}: left out ${s.excluded.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

runCli(async () => {
  const { values } = parseCli(
    {
      env: { type: "string", default: "dev" },
      outdir: { type: "string" },
      "stack-timeout": { type: "string" },
    },
    USAGE,
  );
  const outdir = resolveOutdir(values.outdir);
  const stackTimeoutMs = parseStackTimeoutMs(values["stack-timeout"], USAGE);
  const glob = environmentGlob(
    readStacks(outdir).map((s) => s.name),
    values.env,
    outdir,
  );

  const deployDir = path.join(PROJECT_ROOT, ".build", "emulator");
  fs.rmSync(deployDir, { recursive: true, force: true });
  fs.mkdirSync(deployDir, { recursive: true });
  const logFile = path.join(deployDir, "moto.log");
  const moto = await startMoto({ logFile });
  console.error(`moto on ${moto.endpoint} (its log: ${path.relative(PROJECT_ROOT, logFile)})`);
  try {
    const result = await emulatedDeploy({
      outdir,
      workDir: path.join(PROJECT_ROOT, ".build", "terraform"),
      deployDir,
      glob,
      endpoint: moto.endpoint,
      stackTimeoutMs,
      log: (line) => console.error(line),
    });
    fs.writeFileSync(path.join(deployDir, "report.json"), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(render(result));
    return result.exitCode;
  } finally {
    await moto.stop();
  }
});
