/**
 * A small, safe Markdown subset for post bodies: parsed into a tree of plain data, then turned into DOM nodes.
 * Raw HTML is never interpreted (it stays text), and links and images only keep URLs with safe schemes.
 *
 * Blocks: paragraphs, `#`–`####` headings, `-`/`*` and `1.` lists, `>` quotes, fenced code, `---`.
 * Inline: `**strong**`, `*em*`/`_em_`, `` `code` ``, `[text](url)`, `![alt](url)`, hard line breaks.
 */

export type Inline =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "strong" | "em"; readonly children: Inline[] }
  | { readonly type: "code"; readonly text: string }
  | { readonly type: "link"; readonly href: string; readonly children: Inline[] }
  | { readonly type: "image"; readonly src: string; readonly alt: string }
  | { readonly type: "break" };

export type Block =
  | { readonly type: "paragraph"; readonly children: Inline[] }
  | { readonly type: "heading"; readonly level: 2 | 3 | 4 | 5; readonly children: Inline[] }
  | { readonly type: "list"; readonly ordered: boolean; readonly items: Inline[][] }
  | { readonly type: "quote"; readonly children: Block[] }
  | { readonly type: "code"; readonly text: string }
  | { readonly type: "rule" };

/** Links: web, mail and same-site URLs. Anything else (javascript:, data:, vbscript:, …) is dropped. */
export function safeHref(url: string): string | null {
  const trimmed = url.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  if (/^(\/(?!\/)|#|\?)/.test(trimmed)) return trimmed;
  return null;
}

/** Images: https anywhere, or same-site paths (the blog's own `/media/...`). */
export function safeImageSrc(url: string): string | null {
  const trimmed = url.trim();
  if (/^https:\/\//i.test(trimmed) || /^\/(?!\/)/.test(trimmed)) return trimmed;
  return null;
}

const INLINE_PATTERN =
  /(!?)\[([^\]\n]*)\]\(([^)\s]*)\)|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\*)|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)|`([^`\n]+)`| {2,}\n|\\\n/s;

export function parseInline(source: string): Inline[] {
  const out: Inline[] = [];
  let rest = source;
  while (rest.length > 0) {
    const match = INLINE_PATTERN.exec(rest);
    if (!match) {
      pushText(out, rest);
      break;
    }
    if (match.index > 0) pushText(out, rest.slice(0, match.index));
    const [whole, bang, label, url, strong, starEm, underEm, code] = match;
    if (label !== undefined && url !== undefined) {
      if (bang) {
        const src = safeImageSrc(url);
        if (src) out.push({ type: "image", src, alt: label });
        else pushText(out, label);
      } else {
        const href = safeHref(url);
        if (href) out.push({ type: "link", href, children: parseInline(label) });
        else out.push(...parseInline(label));
      }
    } else if (strong !== undefined) out.push({ type: "strong", children: parseInline(strong) });
    else if (starEm !== undefined) out.push({ type: "em", children: parseInline(starEm) });
    else if (underEm !== undefined) out.push({ type: "em", children: parseInline(underEm) });
    else if (code !== undefined) out.push({ type: "code", text: code });
    else out.push({ type: "break" });
    rest = rest.slice(match.index + whole.length);
  }
  return out;
}

function pushText(out: Inline[], text: string): void {
  const clean = text.replace(/\n/g, " ");
  const last = out[out.length - 1];
  if (last?.type === "text") out[out.length - 1] = { type: "text", text: last.text + clean };
  else if (clean) out.push({ type: "text", text: clean });
}

const LIST_ITEM = /^\s{0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) {
      i++;
      continue;
    }
    const fence = /^\s{0,3}(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trimStart().startsWith(fence[1])) body.push(lines[i++]);
      i++; // the closing fence (or the end)
      blocks.push({ type: "code", text: body.join("\n") });
      continue;
    }
    const heading = /^\s{0,3}(#{1,4})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      // The post title is the page's h1, so Markdown headings start one level below it.
      const level = (heading[1].length + 1) as 2 | 3 | 4 | 5;
      blocks.push({ type: "heading", level, children: parseInline(heading[2]) });
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i]))
        quoted.push(lines[i++].replace(/^\s{0,3}>\s?/, ""));
      blocks.push({ type: "quote", children: parseMarkdown(quoted.join("\n")) });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      const items: string[] = [];
      while (i < lines.length) {
        const next = LIST_ITEM.exec(lines[i]);
        if (next && (next[2] !== undefined) === ordered) items.push(next[3]);
        else if (next || /^\s*$/.test(lines[i]) || items.length === 0) break;
        else items[items.length - 1] += `\n${lines[i].trim()}`;
        i++;
      }
      blocks.push({ type: "list", ordered, items: items.map(parseInline) });
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && !startsBlock(lines[i])) paragraph.push(lines[i++]);
    if (paragraph.length === 0) paragraph.push(lines[i++]);
    blocks.push({ type: "paragraph", children: parseInline(paragraph.join("\n").trim()) });
  }
  return blocks;
}

function startsBlock(line: string): boolean {
  return /^\s{0,3}(```|~~~|#{1,4}\s|>)/.test(line) || LIST_ITEM.test(line);
}

/** Plain text of a body, e.g. for an excerpt or a document description. */
export function plainText(blocks: readonly Block[]): string {
  const inline = (nodes: readonly Inline[]): string =>
    nodes
      .map((n) => {
        switch (n.type) {
          case "text":
          case "code":
            return n.text;
          case "image":
            return n.alt;
          case "break":
            return " ";
          default:
            return inline(n.children);
        }
      })
      .join("");
  return blocks
    .map((b) => {
      switch (b.type) {
        case "paragraph":
        case "heading":
          return inline(b.children);
        case "list":
          return b.items.map(inline).join(" ");
        case "quote":
          return plainText(b.children);
        case "code":
          return b.text;
        case "rule":
          return "";
      }
    })
    .filter(Boolean)
    .join(" ");
}
