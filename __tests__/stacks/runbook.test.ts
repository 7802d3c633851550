/** Every alarm names the runbook section that answers it, and that section exists in docs/operations.md. */
import * as fs from "fs";
import * as path from "path";
import { RUNBOOK } from "../../lib/alarms";
import { PROJECT_ROOT } from "../../lib/paths";
import { resources, synthApp } from "./synth";

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");

const sections = new Set(
  fs
    .readFileSync(path.join(PROJECT_ROOT, RUNBOOK), "utf8")
    .split("\n")
    .filter((line) => /^#{2,4} /.test(line))
    .map((line) => anchor(line.replace(/^#+ /, ""))),
);

test("every alarm of every stack links to an existing section of the runbook", () => {
  // The zero-config pair, and production with the optional alarms (backup jobs and copies, WAF, replicas).
  const apps = [
    synthApp(),
    synthApp({
      environments: {
        prod: {
          allowAnyAccount: true,
          alarmEmails: ["ops@example.com"],
          backup: { plan: true, copyRegion: "eu-central-1" },
          dynamodb: { replicaRegions: ["eu-central-1"] },
        },
      },
    }),
  ];
  let alarms = 0;
  for (const app of apps)
    for (const name of app.stackNames) {
      for (const [id, alarm] of Object.entries(resources(app.stack(name), "aws_cloudwatch_metric_alarm"))) {
        alarms += 1;
        const link = new RegExp(`Runbook: ${RUNBOOK.replace(".", "\\.")}#([a-z0-9-]+)$`).exec(
          String(alarm.alarm_description),
        );
        expect({ stack: name, id, section: link?.[1] }).toEqual({
          stack: name,
          id,
          section: expect.any(String),
        });
        expect(sections).toContain(link![1]);
      }
    }
  expect(alarms).toBeGreaterThan(60);
});
