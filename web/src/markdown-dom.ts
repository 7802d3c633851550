/** Turns the parsed Markdown tree into DOM nodes (text nodes only: no HTML string is ever parsed). */
import { h } from "./dom";
import { parseMarkdown, type Block, type Inline } from "./markdown";

function inlineNodes(nodes: readonly Inline[]): Node[] {
  return nodes.map((node): Node => {
    switch (node.type) {
      case "text":
        return document.createTextNode(node.text);
      case "strong":
        return h("strong", {}, ...inlineNodes(node.children));
      case "em":
        return h("em", {}, ...inlineNodes(node.children));
      case "code":
        return h("code", {}, node.text);
      case "break":
        return h("br");
      case "image":
        return h("img", { src: node.src, alt: node.alt, loading: "lazy", decoding: "async" });
      case "link": {
        const external = /^(https?:|mailto:)/i.test(node.href);
        return h(
          "a",
          { href: node.href, rel: external ? "noopener noreferrer nofollow" : undefined },
          ...inlineNodes(node.children),
        );
      }
    }
  });
}

function blockNode(block: Block): Node {
  switch (block.type) {
    case "paragraph":
      return h("p", {}, ...inlineNodes(block.children));
    case "heading":
      return h(`h${block.level}`, {}, ...inlineNodes(block.children));
    case "list":
      return h(
        block.ordered ? "ol" : "ul",
        {},
        ...block.items.map((item) => h("li", {}, ...inlineNodes(item))),
      );
    case "quote":
      return h("blockquote", {}, ...block.children.map(blockNode));
    case "code":
      return h("pre", {}, h("code", {}, block.text));
    case "rule":
      return h("hr");
  }
}

export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(...parseMarkdown(source).map(blockNode));
  return fragment;
}
