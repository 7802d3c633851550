/**
 * Renders a plan summary as GitHub-flavoured markdown for a pull-request comment.
 *
 * Order is by what a reviewer must see first: totals and alerts, destroyed and replaced resources,
 * security callouts, failures and waiting stacks, then each changed stack's details (collapsed), and the
 * unchanged stacks collapsed into one line. The text is built from indivisible blocks (a line, a table
 * header, a whole code fence) so that truncation below GitHub's comment limit never cuts inside one, closes
 * any open <details>, and says what it left out.
 */
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

interface Block {
  readonly text: string;
  /** What the block belongs to, named in the truncation notice when it is cut. */
  readonly section: string;
  /** Counts as one listed item (a resource row, a callout) in the truncation notice. */
  readonly item?: boolean;
  readonly opensDetails?: boolean;
  readonly closesDetails?: boolean;
  /** A heading or table header: useless without what follows, so dropped when it ends the kept text. */
  readonly leading?: boolean;
  /** A table row or list item: joined to the previous block by one newline so the table or list continues. */
  readonly row?: boolean;
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

/** Destructive counts in bold once they are not zero. */
const strong = (n: number, words: string) => (n > 0 ? `**${n} ${words}**` : `${n} ${words}`);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Inline code that survives table cells and any backticks in the value. */
function code(value: string): string {
  const escaped = value.replace(/\|/g, "\\|");
  const fence = escaped.includes("`") ? "``" : "`";
  return `${fence}${fence.length > 1 ? " " : ""}${escaped}${fence.length > 1 ? " " : ""}${fence}`;
}

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

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
  switch (stack.status) {
    case "error":
      return "❌ failed";
    case "waiting":
      return `⏳ waits on ${stack.waitingOn.map(code).join(", ")}`;
    case "changes":
      return stack.refreshOnly ? "⚠️ drift" : "changes";
    case "no-changes":
      return "✅ no changes";
  }
}

/** A fenced block whose fence is longer than any backtick run inside, so the content cannot close it. */
function fenced(text: string, maxChars = 4000): string {
  const body =
    text.length > maxChars
      ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)`
      : text;
  const longestRun = Math.max(2, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longestRun + 1);
  return `${fence}text\n${body}\n${fence}`;
}

function changeDetail(change: ResourceChangeSummary): string {
  const parts: string[] = [];
  if (change.replacedBecause.length > 0)
    parts.push(`forced by ${change.replacedBecause.map(code).join(", ")}`);
  if (change.movedFrom) parts.push(`moved from ${code(change.movedFrom)}`);
  if (change.importing) parts.push("imported");
  // The attributes forcing a replacement are named once; the others that change are listed after them.
  const forcing = new Set(change.replacedBecause.map((p) => p.split(/[.[]/)[0]));
  const others = change.changedAttributes.filter((a) => !forcing.has(a));
  if (others.length > 0) parts.push(`${forcing.size > 0 ? "also " : ""}${others.map(code).join(", ")}`);
  return parts.join("; ");
}

function buildBlocks(summary: PlanSummary, title: string): Block[] {
  const blocks: Block[] = [];
  const add = (text: string, section: string, extra: Partial<Block> = {}) =>
    blocks.push({ text, section, ...extra });
  const stacks = summary.stacks;
  const t = summary.totals;
  const refreshOnly = stacks.length > 0 && stacks.every((s) => s.refreshOnly);

  add(`### ${title}`, "header");
  const headline = refreshOnly
    ? `${plural(stacks.length, "stack")} checked, ${plural(stacks.filter((s) => s.drift.length > 0).length, "stack")} drifted`
    : `${plural(stacks.length, "stack")}: ${[
        strong(t.delete, "to destroy"),
        strong(t.replace, "to replace"),
        `${t.create} to create`,
        `${t.update} to update`,
      ].join(", ")}`;
  add(headline, "header");

  if (t.delete + t.replace > 0) {
    add(
      `> [!CAUTION]\n> **${plural(t.delete, "resource")} will be destroyed and ${plural(t.replace, "resource")} replaced** ` +
        "(destroyed, then created again: data in them is lost). Check every one below.",
      "header",
    );
  }
  const failed = stacks.filter((s) => s.status === "error");
  if (failed.length > 0)
    add(
      `> [!WARNING]\n> ${plural(failed.length, "stack")} failed to plan: ${failed.map((s) => code(s.name)).join(", ")}.`,
      "header",
    );
  const waiting = stacks.filter((s) => s.status === "waiting");
  if (waiting.length > 0) {
    add(
      `> [!NOTE]\n> ${waiting.map((s) => `${code(s.name)} waits on ${s.waitingOn.map(code).join(", ")}`).join("; ")}: ` +
        "apply the upstream stack first, then plan again.",
      "header",
    );
  }

  const shown = stacks.filter((s) => s.status !== "no-changes");
  if (shown.length > 0) {
    add("| Stack | Result | Destroy | Replace | Create | Update |\n|---|---|--:|--:|--:|--:|", "overview", {
      leading: true,
    });
    for (const s of shown) {
      const c = s.counts;
      add(
        `| ${code(s.name)} | ${escapeCell(statusText(s))} | ${c.delete} | ${c.replace} | ${c.create} | ${c.update} |`,
        "overview table",
        { item: true, row: true },
      );
    }
  }

  const destructive = stacks.flatMap((s) =>
    s.changes.filter((c) => c.action === "delete" || c.action === "replace").map((c) => ({ s, c })),
  );
  if (destructive.length > 0) {
    add("#### ⛔ Destroyed and replaced", "destroy/replace list", { leading: true });
    for (const [i, { s, c }] of destructive.entries()) {
      const why =
        c.replacedBecause.length > 0 ? ` — forced by ${c.replacedBecause.map(code).join(", ")}` : "";
      add(`- ${ACTION_LABEL[c.action]} ${code(c.address)} in ${code(s.name)}${why}`, "destroy/replace list", {
        item: true,
        row: i > 0,
      });
    }
  }

  const callouts = stacks.flatMap((s) => s.callouts);
  if (callouts.length > 0) {
    add("#### 🔐 Security-sensitive changes", "security callouts", { leading: true });
    for (const kind of ["public", "iam", "security-group"] as const) {
      const ofKind = callouts.filter((c) => c.kind === kind);
      if (ofKind.length === 0) continue;
      add(`**${CALLOUT_TITLES[kind]}**`, "security callouts", { leading: true });
      for (const [i, c] of ofKind.entries()) {
        add(`- ${code(c.address)} in ${code(c.stack)}: ${c.message}`, "security callouts", {
          item: true,
          row: i > 0,
        });
      }
    }
  }

  for (const s of stacks.filter((x) => x.status === "error" || x.status === "waiting")) {
    const section = `${s.name} messages`;
    add(`#### ${s.status === "error" ? "❌" : "⏳"} ${s.name}`, section, { leading: true });
    if (s.status === "waiting") {
      add(
        `Not planned: it reads outputs of ${s.waitingOn.map(code).join(", ")}, which ${s.waitingOn.length === 1 ? "has" : "have"} not been applied yet. ` +
          "Apply the upstream first, then plan this stack again.",
        section,
      );
    }
    if (s.error) add(fenced(s.error), section);
  }

  for (const s of shown.filter(
    (x) => x.changes.length + x.drift.length + x.outputChanges.length + x.notes.length > 0,
  )) {
    const section = `${s.name} details`;
    add(`<details><summary><b>${s.name}</b>: ${countsText(s)}</summary>`, section, {
      opensDetails: true,
      leading: true,
    });
    for (const note of s.notes) add(`> ${note}`, section);
    if (s.changes.length > 0) {
      add("| Action | Resource | Details |\n|---|---|---|", section, { leading: true });
      for (const c of s.changes) {
        add(`| ${ACTION_LABEL[c.action]} | ${code(c.address)} | ${escapeCell(changeDetail(c))} |`, section, {
          item: true,
          row: true,
        });
      }
    }
    if (s.drift.length > 0) {
      add(
        "**Changed outside Terraform (drift)**\n\n| Change | Resource | Attributes |\n|---|---|---|",
        section,
        { leading: true },
      );
      for (const c of s.drift) {
        const change = c.action === "delete" ? "deleted" : c.action;
        add(`| ${change} | ${code(c.address)} | ${escapeCell(changeDetail(c))} |`, section, {
          item: true,
          row: true,
        });
      }
    }
    if (s.outputChanges.length > 0) add(`Outputs changing: ${s.outputChanges.map(code).join(", ")}`, section);
    add("</details>", section, { closesDetails: true });
  }

  const unchanged = stacks.filter((s) => s.status === "no-changes");
  if (unchanged.length > 0) {
    add(
      `<details><summary>${plural(unchanged.length, "stack")} without changes</summary>`,
      "unchanged stacks",
      { opensDetails: true, leading: true },
    );
    unchanged.forEach((s, i) => add(`- ${code(s.name)}`, "unchanged stacks", { item: true, row: i > 0 }));
    add("</details>", "unchanged stacks", { closesDetails: true });
  }
  return blocks;
}

const separator = (block: Block, index: number) => (index === 0 ? "" : block.row ? "\n" : "\n\n");
const joinBlocks = (blocks: readonly Block[]) => blocks.map((b, i) => separator(b, i) + b.text).join("");

/** Keeps the longest prefix of blocks that fits with the closing tags and the notice of what was cut. */
function truncate(blocks: readonly Block[], maxLength: number, hint: string): string {
  const full = joinBlocks(blocks);
  if (full.length <= maxLength) return full;

  const noticeFor = (cut: readonly Block[]) => {
    const bySection = new Map<string, number>();
    for (const b of cut) if (b.item) bySection.set(b.section, (bySection.get(b.section) ?? 0) + 1);
    const what = [...bySection].map(([section, n]) => `${n} from ${section}`).join(", ");
    return `> [!IMPORTANT]\n> ✂️ Truncated to stay under GitHub's comment limit: ${plural(cut.length, "block")} cut${what ? ` (entries: ${what})` : ""}. The complete summary is in ${hint}.`;
  };
  // The notice can only grow as more is cut; reserve its worst case (everything cut) once.
  const reserve = noticeFor(blocks).length + "\n\n</details>".length * 4 + 8;
  const kept: Block[] = [];
  let length = 0;
  for (const block of blocks) {
    const add = separator(block, kept.length).length + block.text.length;
    if (length + add > maxLength - reserve) break;
    kept.push(block);
    length += add;
  }
  while (kept.length > 0 && kept[kept.length - 1].leading) kept.pop();
  let openDetails = 0;
  for (const b of kept) openDetails += (b.opensDetails ? 1 : 0) - (b.closesDetails ? 1 : 0);
  const closing = Array.from({ length: openDetails }, (): Block => ({ text: "</details>", section: "" }));
  const cut = blocks.slice(kept.length);
  return joinBlocks([...kept, ...closing, { text: noticeFor(cut), section: "" }]);
}

export function renderMarkdown(summary: PlanSummary, options: RenderOptions = {}): string {
  const refreshOnly = summary.stacks.length > 0 && summary.stacks.every((s) => s.refreshOnly);
  const title = options.title ?? (refreshOnly ? "Drift check" : "Terraform plan");
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  return `${truncate(buildBlocks(summary, title), maxLength, options.fullSummaryHint ?? "`plan-summary.md`")}\n`;
}
