/** Home page: published posts newest first with "older posts" pagination, and the subscribe form. */
import { api, ApiError } from "../api";

interface PostSummary {
  readonly slug: string;
  readonly title: string;
  readonly excerpt?: string;
  readonly coverUrl?: string | null;
  readonly likes?: number;
  readonly publishedAt?: string;
}

interface PostPage {
  readonly posts: PostSummary[];
  readonly nextCursor?: string | null;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

export function initHome(): void {
  const list = byId<HTMLOListElement>("posts");
  const status = byId<HTMLParagraphElement>("posts-status");
  const more = byId<HTMLButtonElement>("more");
  let cursor: string | null | undefined;

  async function load(): Promise<void> {
    more.disabled = true;
    try {
      const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      const page = await api<PostPage>("GET", `/api/posts${query}`);
      for (const post of page.posts) {
        const link = el("a", { href: `/post.html?slug=${encodeURIComponent(post.slug)}` }, post.title);
        const card = el("li", { className: "post-card" });
        if (post.coverUrl) card.append(el("img", { src: post.coverUrl, alt: "", width: 400, height: 300 }));
        card.append(el("h2", {}, link), el("p", {}, post.excerpt ?? ""));
        list.append(card);
      }
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = list.children.length === 0 ? "No posts yet." : "";
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : "Posts could not be loaded.";
      status.classList.add("error");
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener("click", () => void load());
  void load();

  const form = byId<HTMLFormElement>("subscribe-form");
  const formStatus = byId<HTMLParagraphElement>("subscribe-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      name: String(data.get("name") ?? "").trim(),
      email: String(data.get("email") ?? "").trim(),
    };
    api("POST", "/api/subscribe", body)
      .then(() => {
        formStatus.textContent = `Thanks! A welcome e-mail is on its way to ${body.email}.`;
        form.reset();
      })
      .catch((error: unknown) => {
        formStatus.textContent = error instanceof ApiError ? error.message : "Subscribing failed.";
      });
  });
}
