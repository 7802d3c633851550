/**
 * Indivisible blocks of markdown (a line, a table header, a whole code fence) and the truncation below a
 * length limit that never cuts inside one, closes any open <details>, and says what it left out.
 */
import { plural } from "./inline";

export interface Block {
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

export const block = (text: string, section: string, extra: Omit<Block, "text" | "section"> = {}): Block => ({
  text,
  section,
  ...extra,
});

const separator = (block: Block, index: number) => (index === 0 ? "" : block.row ? "\n" : "\n\n");
const joinBlocks = (blocks: readonly Block[]) => blocks.map((b, i) => separator(b, i) + b.text).join("");

/** Keeps the longest prefix of blocks that fits with the closing tags and the notice of what was cut. */
export function truncate(blocks: readonly Block[], maxLength: number, hint: string): string {
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
