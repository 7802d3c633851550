/** Inline markdown that survives table cells and backticks in values: code spans, cells, fences, counts. */

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Destructive counts in bold once they are not zero. */
export const strong = (n: number, words: string) => (n > 0 ? `**${n} ${words}**` : `${n} ${words}`);

/** Inline code that survives table cells and any backticks in the value. */
export function code(value: string): string {
  const escaped = value.replace(/\|/g, "\\|");
  const fence = escaped.includes("`") ? "``" : "`";
  return `${fence}${fence.length > 1 ? " " : ""}${escaped}${fence.length > 1 ? " " : ""}${fence}`;
}

export const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** A fenced block whose fence is longer than any backtick run inside, so the content cannot close it. */
export function fenced(text: string, maxChars = 4000): string {
  const body =
    text.length > maxChars
      ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)`
      : text;
  const longestRun = Math.max(2, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longestRun + 1);
  return `${fence}text\n${body}\n${fence}`;
}
