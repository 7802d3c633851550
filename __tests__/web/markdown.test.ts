/** The post body renderer's parser: the Markdown subset it supports and what it refuses to turn into markup. */
import fc from "fast-check";
import {
  parseInline,
  parseMarkdown,
  plainText,
  safeHref,
  safeImageSrc,
  type Block,
  type Inline,
} from "../../web/src/markdown";

test("paragraphs, headings, lists, quotes, code and rules", () => {
  const blocks = parseMarkdown(
    "# Title\n\nSome *very* **bold** `code`.\nSame paragraph.\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```\n<b>raw</b>\n```\n\n---",
  );
  expect(blocks.map((b) => b.type)).toEqual([
    "heading",
    "paragraph",
    "list",
    "list",
    "quote",
    "code",
    "rule",
  ]);
  expect(blocks[0]).toEqual({ type: "heading", level: 2, children: [{ type: "text", text: "Title" }] });
  expect(blocks[1]).toEqual({
    type: "paragraph",
    children: [
      { type: "text", text: "Some " },
      { type: "em", children: [{ type: "text", text: "very" }] },
      { type: "text", text: " " },
      { type: "strong", children: [{ type: "text", text: "bold" }] },
      { type: "text", text: " " },
      { type: "code", text: "code" },
      { type: "text", text: ". Same paragraph." },
    ],
  });
  expect(blocks[2]).toMatchObject({ ordered: false, items: [[{ text: "one" }], [{ text: "two" }]] });
  expect(blocks[3]).toMatchObject({ ordered: true, items: [[{ text: "first" }], [{ text: "second" }]] });
  expect(blocks[5]).toEqual({ type: "code", text: "<b>raw</b>" });
});

test("raw HTML stays text", () => {
  expect(parseMarkdown('<img src=x onerror="alert(1)"><script>alert(2)</script>')).toEqual([
    {
      type: "paragraph",
      children: [{ type: "text", text: '<img src=x onerror="alert(1)"><script>alert(2)</script>' }],
    },
  ]);
});

test("links keep only web, mail and same-site URLs; other schemes lose the link but keep the text", () => {
  expect(parseInline("[site](https://example.com/a)")).toEqual([
    { type: "link", href: "https://example.com/a", children: [{ type: "text", text: "site" }] },
  ]);
  expect(parseInline("[post](/post.html?slug=a)")).toMatchObject([
    { type: "link", href: "/post.html?slug=a" },
  ]);
  expect(parseInline("[x](javascript:alert(1))")).toEqual([{ type: "text", text: "x)" }]);
  expect(parseInline("[x](JaVaScRiPt:alert)")).toEqual([{ type: "text", text: "x" }]);
  expect(parseInline("[x](data:text/html,hi)")).toEqual([{ type: "text", text: "x" }]);
  expect(parseInline("[x](//evil.example/)")).toEqual([{ type: "text", text: "x" }]);
  expect(safeHref(" mailto:a@example.com ")).toBe("mailto:a@example.com");
});

test("images only from https or the site itself", () => {
  expect(parseInline("![harbour](/media/a/b/w400.jpg)")).toEqual([
    { type: "image", src: "/media/a/b/w400.jpg", alt: "harbour" },
  ]);
  expect(parseInline("![x](http://insecure.example/a.jpg)")).toEqual([{ type: "text", text: "x" }]);
  expect(safeImageSrc("https://cdn.example/a.jpg")).toBe("https://cdn.example/a.jpg");
  expect(safeImageSrc("data:image/svg+xml,<svg onload=alert(1)>")).toBeNull();
});

test("plain text of a body, for excerpts", () => {
  expect(plainText(parseMarkdown("# A\n\n*b* [c](/d)\n\n- e"))).toBe("A b c e");
});

const collect = (blocks: readonly Block[]): Inline[] =>
  blocks.flatMap((b): Inline[] => {
    const walk = (nodes: readonly Inline[]): Inline[] =>
      nodes.flatMap((n) => [n, ...("children" in n ? walk(n.children) : [])]);
    switch (b.type) {
      case "paragraph":
      case "heading":
        return walk(b.children);
      case "list":
        return b.items.flatMap(walk);
      case "quote":
        return collect(b.children);
      default:
        return [];
    }
  });

test("any input parses without throwing, and every link and image it yields has a safe URL", () => {
  const markdownish = fc.stringMatching(/^[-a-z:/#*_`[\]()!<> \n.>0-9]{0,120}$/);
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), markdownish), (source) => {
      for (const node of collect(parseMarkdown(source))) {
        if (node.type === "link") expect(safeHref(node.href)).toBe(node.href);
        if (node.type === "image") expect(safeImageSrc(node.src)).toBe(node.src);
      }
    }),
    { numRuns: 500 },
  );
});
