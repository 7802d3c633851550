/** Home page: published posts newest first with "older posts" pagination, and the subscribe form. */
import { api } from "../api";
import { byId, errorMessage, h, handleSubmit, say, time } from "../dom";
import type { PostPage, PostSummary } from "../model";
import { postUrl } from "../urls";

function postCard(post: PostSummary, eager: boolean): HTMLLIElement {
  const href = postUrl(post.slug);
  const cover = post.coverThumbnailUrl
    ? h("img", {
        src: post.coverThumbnailUrl,
        alt: "",
        width: 400,
        height: 300,
        loading: eager ? "eager" : "lazy",
        decoding: "async",
        fetchpriority: eager ? "high" : undefined,
      })
    : h("div", { class: "no-cover", "aria-hidden": "true" });
  return h(
    "li",
    { class: "post-card" },
    h("a", { href, tabindex: -1, "aria-hidden": "true" }, cover),
    h("h2", {}, h("a", { href }, post.title)),
    h("p", { class: "meta" }, time(post.publishedAt), ` · ♥ ${post.likes ?? 0}`),
    post.excerpt ? h("p", {}, post.excerpt) : null,
  );
}

export function initHome(): void {
  const list = byId<HTMLOListElement>("posts");
  const status = byId("posts-status");
  const more = byId<HTMLButtonElement>("more");
  let cursor: string | null | undefined;

  async function load(): Promise<void> {
    more.disabled = true;
    try {
      const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      const page = await api<PostPage>("GET", `/api/posts${query}`);
      const first = list.children.length === 0;
      list.append(...page.posts.map((post, i) => postCard(post, first && i < 2)));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      say(status, list.children.length === 0 ? "No posts yet." : "");
    } catch (error) {
      say(status, errorMessage(error, "Posts could not be loaded."), true);
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener("click", () => void load());
  void load();

  const form = byId<HTMLFormElement>("subscribe-form");
  handleSubmit(form, byId("subscribe-status"), ["name", "email"], {
    check: ({ email }) =>
      /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? undefined : "Please enter a valid e-mail address.",
    send: async (values) => {
      await api("POST", "/api/subscribe", values);
      form.reset();
      return `Thanks! A welcome e-mail is on its way to ${values.email}.`;
    },
    failure: "Subscribing failed.",
  });
}
