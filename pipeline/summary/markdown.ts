/**
 * Renders a plan summary as GitHub-flavoured markdown for a pull-request comment, one function per section.
 *
 * Order is by what a reviewer must see first: totals and alerts, destroyed and replaced resources,
 * security callouts, the policy documents created or changed, failures and waiting stacks, then each changed
 * stack's details (collapsed), and the unchanged stacks collapsed into one line. Sections are lists of indivisible blocks (`./blocks`), so that
 * truncation below GitHub's comment limit never cuts inside a line, a table header or a code fence.
 */
import { block, truncate, type Block } from "./blocks";
import { code, escapeCell, fenced, plural, strong } from "./inline";
import type { Callout, ChangeAction, PlanSummary, ResourceChangeSummary, StackSummary } from "./model";

/** GitHub rejects comments over 65,536 characters; leave room for the marker and header CI adds. */
export const DEFAULT_MAX_LENGTH = 60_000;

export interface RenderOptions {
  /** Upper bound on the length of the markdown (UTF-16 code units, never fewer than GitHub's characters). @default 60000 */
  readonly maxLength?: number;
  /** Heading line. @default "Terraform plan" (or "Drift check" for refresh-only plans) */
  readonly title?: string;
  /** Where the untruncated summary can be found, quoted in the truncation notice. @default "plan-summary.md" */
  readonly fullSummaryHint?: string;
}

const ACTION_LABEL: Record<ChangeAction, string> = {
  delete: "🗑️ **destroy**",
  replace: "♻️ **replace**",
  forget: "📤 forget (stays in AWS)",
  update: "✏️ update",
  create: "➕ create",
  import: "📥 import",
  move: "🔀 move",
};

const CALLOUT_TITLES: Record<Callout["kind"], string> = {
  public: "🌐 Becomes public",
  iam: "🔑 IAM and resource policies",
  "security-group": "🛡️ Security groups and network ACLs",
};

/** A table row: one listed item, continuing the table. */
const TABLE_ROW = { item: true, row: true } as const;

function countsText(stack: StackSummary): string {
  const c = stack.counts;
  const parts = [
    c.delete && `${c.delete} to destroy`,
    c.replace && `${c.replace} to replace`,
    c.create && `${c.create} to create`,
    c.update && `${c.update} to update`,
  ].filter(Boolean);
  const other = stack.changes.length - c.create - c.update - c.replace - c.delete;
  if (other > 0) parts.push(`${other} moved/imported/forgotten`);
  if (stack.outputChanges.length > 0) parts.push(plural(stack.outputChanges.length, "output change"));
  if (stack.drift.length > 0) parts.push(`${stack.drift.length} drifted`);
  return parts.join(", ") || "no changes";
}

function statusText(stack: StackSummary): string {
  if (stack.provisional && stack.status !== "error")
    return `🧪 provisional (${stack.provisional.upstreams.map(code).join(", ")} not applied)`;
  switch (stack.status) {
    case "error":
      return stack.destroy?.protections.length ? "🛑 refused: protected" : "❌ failed";
    case "waiting":
      return `⏳ waits on ${stack.waitingOn.map(code).join(", ")}`;
    case "changes":
      return stack.refreshOnly ? "⚠️ drift" : "📋 planned";
    case "no-changes":
      return "✅ no changes";
    case "not-planned":
      return "⏭️ not planned";
  }
}

function changeDetail(change: ResourceChangeSummary): string {
  const parts: string[] = [];
  if (change.replacedBecause.length > 0)
    parts.push(`forced by ${change.replacedBecause.map(code).join(", ")}`);
  if (change.movedFrom) parts.push(`moved from ${code(change.movedFrom)}`);
  if (change.importing) parts.push("imported");
  if (change.standIns?.length) parts.push(`⟨stand-in⟩ in ${change.standIns.map(code).join(", ")}`);
  // The attributes forcing a replacement are named once; the others that change are listed after them.
  const forcing = new Set(change.replacedBecause.map((p) => p.split(/[.[]/)[0]));
  const others = change.changedAttributes.filter((a) => !forcing.has(a));
  if (others.length > 0) parts.push(`${forcing.size > 0 ? "also " : ""}${others.map(code).join(", ")}`);
  return parts.join("; ");
}

/** Title, headline counts and the alerts: destruction, failed, provisional and waiting stacks. */
function headerSection(summary: PlanSummary, title: string, refreshOnly: boolean): Block[] {
  const { stacks, totals: t } = summary;
  const headline = refreshOnly
    ? `${plural(stacks.length, "stack")} checked, ${plural(stacks.filter((s) => s.drift.length > 0).length, "stack")} drifted`
    : `${plural(stacks.length, "stack")}: ${[
        strong(t.delete, "to destroy"),
        strong(t.replace, "to replace"),
        `${t.create} to create`,
        `${t.update} to update`,
      ].join(", ")}`;
  const blocks = [block(`### ${title}`, "header"), block(headline, "header")];
  if (summary.destroy) blocks.push(...destroyHeader(summary));
  else if (t.delete + t.replace > 0) {
    blocks.push(
      block(
        `> [!CAUTION]\n> **${plural(t.delete, "resource")} will be destroyed and ${plural(t.replace, "resource")} replaced** ` +
          "(destroyed, then created again: data in them is lost). Check every one below.",
        "header",
      ),
    );
  }
  const failed = stacks.filter((s) => s.status === "error");
  if (failed.length > 0)
    blocks.push(
      block(
        `> [!WARNING]\n> ${plural(failed.length, "stack")} failed to plan: ${failed.map((s) => code(s.name)).join(", ")}.`,
        "header",
      ),
    );
  const provisional = stacks.filter((s) => s.provisional);
  if (provisional.length > 0) {
    const standIns = provisional.reduce((n, s) => n + (s.provisional?.standIns.length ?? 0), 0);
    blocks.push(
      block(
        `> [!IMPORTANT]\n> ${plural(provisional.length, "stack")} planned **provisionally**: ` +
          `${provisional.map((s) => code(s.name)).join(", ")}. Their upstream has no state yet, so they read its ` +
          `planned outputs and ${plural(standIns, "stand-in")} (marked ⟨stand-in⟩) instead. A provisional plan ` +
          "is for review only and can never be applied: after each upstream is applied, its dependants are planned again.",
        "header",
      ),
    );
  }
  if (summary.scope) blocks.push(block(scopeNote(summary), "header"));
  const waiting = stacks.filter((s) => s.status === "waiting");
  if (waiting.length > 0) {
    blocks.push(
      block(
        `> [!NOTE]\n> ${waiting.map((s) => `${code(s.name)} waits on ${s.waitingOn.map(code).join(", ")}`).join("; ")}: ` +
          "apply the upstream stack first, then plan again.",
        "header",
      ),
    );
  }
  return blocks;
}

/** What a change-scoped plan planned and why; or why it planned everything. */
function scopeNote(summary: PlanSummary): string {
  const scope = summary.scope!;
  if (scope.full) return `> [!NOTE]\n> Every stack planned: ${scope.full}.`;
  const planned = summary.stacks.filter((s) => s.status !== "not-planned").length;
  const skipped = summary.stacks.length - planned;
  return (
    `> [!NOTE]\n> Planned only where the change lands: ${planned} of ${plural(summary.stacks.length, "stack")}, ` +
    `compared with ${code(scope.base)}${skipped > 0 ? `; ${skipped} unchanged since ${code(scope.base)}, not planned (the scheduled drift check keeps checking them)` : ""}. ` +
    "`npm run plan -- --all` plans everything."
  );
}

/** Which AWS account each stack was planned in, one line per account and credentials, when any stack has one. */
function accountSection(stacks: readonly StackSummary[]): Block[] {
  const groups = new Map<string, string[]>();
  for (const s of stacks) {
    if (!s.account) continue;
    const where = `${s.account.id ? `account ${code(s.account.id)}` : "an undetermined account"} (${s.account.via})`;
    groups.set(where, [...(groups.get(where) ?? []), code(s.name)]);
  }
  return [...groups].map(([where, names], i) =>
    block(`- Planned in ${where}: ${names.join(", ")}`, "accounts", { leading: i === 0, row: i > 0 }),
  );
}

/** One table row per stack that has something to show. */
function overviewSection(shown: readonly StackSummary[]): Block[] {
  if (shown.length === 0) return [];
  return [
    block("| Stack | Result | Destroy | Replace | Create | Update |\n|---|---|--:|--:|--:|--:|", "overview", {
      leading: true,
    }),
    ...shown.map((s) => {
      const c = s.counts;
      return block(
        `| ${code(s.name)} | ${escapeCell(statusText(s))} | ${c.delete} | ${c.replace} | ${c.create} | ${c.update} |`,
        "overview table",
        TABLE_ROW,
      );
    }),
  ];
}

/**
 * A destroy plan's own alert: it deletes the environment, in which order, and whether it can be applied at all.
 * Stacks are in dependency order in the summary; a destroy applies them the other way round.
 */
function destroyHeader(summary: PlanSummary): Block[] {
  const order = [...summary.stacks].reverse().map((s) => code(s.name));
  const refused = summary.stacks.filter((s) => (s.destroy?.protections.length ?? 0) > 0);
  const blocks = [
    block(
      `> [!CAUTION]\n> **DESTROY.** This plan deletes every resource of ${plural(summary.stacks.length, "stack")} ` +
        `(${plural(summary.totals.delete, "resource")}), applied downstream first: ${order.join(" → ")}. ` +
        "The data listed below is deleted with them and cannot be brought back except from what is kept.",
      "header",
    ),
  ];
  if (refused.length > 0)
    blocks.push(
      block(
        `> [!WARNING]\n> **Refused**: ${refused.map((s) => code(s.name)).join(", ")} ${refused.length === 1 ? "is" : "are"} ` +
          "protected (below), so nothing of this destroy can be applied. Lift each protection with the configuration " +
          "key named, apply that change, then plan the destroy again.",
        "header",
      ),
    );
  return blocks;
}

/** What a destroy deletes, what outlives it and what protects it, per stack. */
function destroySection(stacks: readonly StackSummary[]): Block[] {
  const withFacts = stacks.filter((s) => s.destroy);
  if (withFacts.length === 0) return [];
  const section = "destroy data";
  const blocks = [block("#### 🔥 Data this destroy deletes", section, { leading: true })];
  for (const s of [...withFacts].reverse()) {
    const facts = s.destroy!;
    const lines = [
      ...facts.protections.map(
        (p) =>
          `- 🛑 **protected**: ${p.what} (${code(p.address)}): ${p.lift}` +
          (p.liftedInConfiguration ? "; the configuration lifts it already: apply it first" : ""),
      ),
      ...facts.deletes.map((d) => `- 🗑️ ${d}`),
      ...facts.kept.map((k) => `- 📦 kept: ${k}`),
    ];
    if (lines.length === 0) lines.push("- no stored data");
    blocks.push(block(`**${s.name}**`, section, { leading: true }));
    lines.forEach((line, i) => blocks.push(block(line, section, { item: true, row: i > 0 })));
  }
  return blocks;
}

/** Every destroyed and replaced resource of every stack, before anything else about them. */
function destructiveSection(stacks: readonly StackSummary[]): Block[] {
  const destructive = stacks.flatMap((s) =>
    s.changes.filter((c) => c.action === "delete" || c.action === "replace").map((c) => ({ s, c })),
  );
  if (destructive.length === 0) return [];
  const section = "destroy/replace list";
  return [
    block("#### ⛔ Destroyed and replaced", section, { leading: true }),
    ...destructive.map(({ s, c }, i) => {
      const why =
        c.replacedBecause.length > 0 ? ` — forced by ${c.replacedBecause.map(code).join(", ")}` : "";
      return block(`- ${ACTION_LABEL[c.action]} ${code(c.address)} in ${code(s.name)}${why}`, section, {
        item: true,
        row: i > 0,
      });
    }),
  ];
}

/** The security callouts of all stacks, grouped by kind: public exposure first, then IAM, then networking. */
function calloutSection(stacks: readonly StackSummary[]): Block[] {
  const callouts = stacks.flatMap((s) => s.callouts);
  if (callouts.length === 0) return [];
  const section = "security callouts";
  const blocks = [block("#### 🔐 Security-sensitive changes", section, { leading: true })];
  for (const kind of ["public", "iam", "security-group"] as const) {
    const ofKind = callouts.filter((c) => c.kind === kind);
    if (ofKind.length === 0) continue;
    blocks.push(block(`**${CALLOUT_TITLES[kind]}**`, section, { leading: true }));
    for (const [i, c] of ofKind.entries()) {
      blocks.push(
        block(`- ${code(c.address)} in ${code(c.stack)}: ${c.message}`, section, { item: true, row: i > 0 }),
      );
    }
  }
  return blocks;
}

/** Why a stack failed or was not planned. */
function stackMessages(s: StackSummary): Block[] {
  const section = `${s.name} messages`;
  const blocks = [block(`#### ${s.status === "error" ? "❌" : "⏳"} ${s.name}`, section, { leading: true })];
  if (s.status === "waiting") {
    blocks.push(
      block(
        `Not planned: it reads outputs of ${s.waitingOn.map(code).join(", ")}, which ${s.waitingOn.length === 1 ? "has" : "have"} not been applied yet. ` +
          "Apply the upstream first, then plan this stack again.",
        section,
      ),
    );
  }
  if (s.error) blocks.push(block(fenced(s.error), section));
  return blocks;
}

/** What a provisional plan read instead of its upstreams' state: how many planned values, and each stand-in. */
function provisionalInputs(s: StackSummary, section: string): Block[] {
  const p = s.provisional;
  if (!p) return [];
  const blocks = [
    block(
      `> 🧪 Planned with provisional outputs of ${p.upstreams.map(code).join(", ")}: ${plural(p.fromPlans, "output")} ` +
        `from ${p.upstreams.length === 1 ? "its plan" : "their plans"}, ${plural(p.standIns.length, "stand-in")}` +
        `${p.standIns.length > 0 ? " (below)" : ""}. Never applied: plan it again once they are applied.`,
      section,
    ),
  ];
  if (p.standIns.length === 0) return blocks;
  blocks.push(block("| Stand-in for | of | Value used |\n|---|---|---|", section, { leading: true }));
  for (const standIn of p.standIns)
    blocks.push(
      block(
        `| ${code(standIn.reference)} | ${code(standIn.upstream)} | ${code(String(standIn.value))} |`,
        section,
        TABLE_ROW,
      ),
    );
  return blocks;
}

/** Every policy document the plans create or change, per stack, one line per statement. */
function documentSection(stacks: readonly StackSummary[]): Block[] {
  const withDocuments = stacks.filter((s) => (s.documents?.length ?? 0) > 0);
  if (withDocuments.length === 0) return [];
  const blocks = [block("#### 📜 Policies", "policies", { leading: true })];
  for (const s of withDocuments) {
    const section = `${s.name} policies`;
    blocks.push(
      block(
        `<details><summary><b>${s.name}</b>: ${plural(s.documents!.length, "policy document")}</summary>`,
        section,
        {
          opensDetails: true,
          leading: true,
        },
      ),
    );
    for (const d of s.documents!) {
      const from = d.from === "source" ? "known after apply: from the synthesized source" : "as planned";
      const marked = d.standIns ? ", ⟨stand-in⟩ values marked" : "";
      blocks.push(
        block(`${code(d.address)} ${code(d.attribute)} (${from}${marked})\n${d.lines.join("\n")}`, section, {
          item: true,
        }),
      );
    }
    blocks.push(block("</details>", section, { closesDetails: true }));
  }
  return blocks;
}

/** One collapsed section per stack: its notes, changes, drift and output changes. */
function stackDetails(s: StackSummary): Block[] {
  const section = `${s.name} details`;
  const blocks = [
    block(`<details><summary><b>${s.name}</b>: ${countsText(s)}</summary>`, section, {
      opensDetails: true,
      leading: true,
    }),
    ...(s.scope?.planned ? [block(`> Planned because ${s.scope.reasons.join("; ")}.`, section)] : []),
    ...s.notes.map((note) => block(`> ${note}`, section)),
    ...provisionalInputs(s, section),
  ];
  if (s.changes.length > 0) {
    blocks.push(block("| Action | Resource | Details |\n|---|---|---|", section, { leading: true }));
    for (const c of s.changes) {
      const cells = `| ${ACTION_LABEL[c.action]} | ${code(c.address)} | ${escapeCell(changeDetail(c))} |`;
      blocks.push(block(cells, section, TABLE_ROW));
    }
  }
  if (s.drift.length > 0) {
    const header =
      "**Changed outside Terraform (drift)**\n\n| Change | Resource | Attributes |\n|---|---|---|";
    blocks.push(block(header, section, { leading: true }));
    for (const c of s.drift) {
      const change = c.action === "delete" ? "deleted" : c.action;
      blocks.push(
        block(`| ${change} | ${code(c.address)} | ${escapeCell(changeDetail(c))} |`, section, TABLE_ROW),
      );
    }
  }
  if (s.outputChanges.length > 0)
    blocks.push(block(`Outputs changing: ${s.outputChanges.map(code).join(", ")}`, section));
  blocks.push(block("</details>", section, { closesDetails: true }));
  return blocks;
}

/** The stacks a change-scoped plan left out, collapsed into one list with the reason. */
function notPlannedSection(summary: PlanSummary): Block[] {
  const skipped = summary.stacks.filter((s) => s.status === "not-planned");
  if (skipped.length === 0 || !summary.scope) return [];
  const section = "stacks not planned";
  const base = code(summary.scope.base);
  return [
    block(
      `<details><summary>${plural(skipped.length, "stack")} unchanged since ${base}, not planned</summary>`,
      section,
      {
        opensDetails: true,
        leading: true,
      },
    ),
    ...skipped.map((s, i) =>
      block(`- ${code(s.name)}: ${s.scope?.reasons.join("; ") ?? `unchanged since ${base}`}`, section, {
        item: true,
        row: i > 0,
      }),
    ),
    block("</details>", section, { closesDetails: true }),
  ];
}

/** The stacks without changes, collapsed into one list. */
function unchangedSection(unchanged: readonly StackSummary[]): Block[] {
  if (unchanged.length === 0) return [];
  const section = "unchanged stacks";
  return [
    block(`<details><summary>${plural(unchanged.length, "stack")} without changes</summary>`, section, {
      opensDetails: true,
      leading: true,
    }),
    ...unchanged.map((s, i) => block(`- ${code(s.name)}`, section, { item: true, row: i > 0 })),
    block("</details>", section, { closesDetails: true }),
  ];
}

/** The sections in the order a reviewer reads them. */
function buildBlocks(summary: PlanSummary, title: string, refreshOnly: boolean): Block[] {
  const stacks = summary.stacks;
  const shown = stacks.filter((s) => s.status !== "no-changes" && s.status !== "not-planned");
  return [
    ...headerSection(summary, title, refreshOnly),
    ...accountSection(stacks),
    ...overviewSection(shown),
    // A destroy deletes everything: what matters is the data, each resource is in the stack's details.
    ...(summary.destroy ? destroySection(stacks) : destructiveSection(stacks)),
    ...calloutSection(stacks),
    ...documentSection(stacks),
    ...stacks.filter((s) => s.status === "error" || s.status === "waiting").flatMap(stackMessages),
    ...shown
      .filter((s) => s.changes.length + s.drift.length + s.outputChanges.length + s.notes.length > 0)
      .flatMap(stackDetails),
    ...unchangedSection(stacks.filter((s) => s.status === "no-changes")),
    ...notPlannedSection(summary),
  ];
}

export function renderMarkdown(summary: PlanSummary, options: RenderOptions = {}): string {
  const refreshOnly = summary.stacks.length > 0 && summary.stacks.every((s) => s.refreshOnly);
  const title =
    options.title ??
    (summary.destroy ? "🔥 Terraform DESTROY plan" : refreshOnly ? "Drift check" : "Terraform plan");
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const blocks = buildBlocks(summary, title, refreshOnly);
  return `${truncate(blocks, maxLength, options.fullSummaryHint ?? "`plan-summary.md`")}\n`;
}
