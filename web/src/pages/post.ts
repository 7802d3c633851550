/** Post page (`/posts/<slug>`): the post rendered from Markdown, its photos, likes and comments. */
import { api, ApiError } from "../api";
import { currentSession } from "../auth";
import { byId, errorMessage, h, handleSubmit, say, time } from "../dom";
import { renderMarkdown } from "../markdown-dom";
import { authorUrl, postUrl, setCanonical, slugOf } from "../urls";
import {
  srcset,
  thumbnailFor,
  type Comment,
  type CommentPage,
  type LikeResult,
  type Photo,
  type Post,
} from "../model";

/** A photo of the post; `label` names it (the API keeps no captions), and so the link to the full-size original. */
export function photoFigure(photo: Photo, label: string, sizes: string): HTMLElement {
  if (photo.status !== "ready") {
    const text =
      photo.status === "failed" ? "This photo could not be processed." : "This photo is being processed…";
    return h("figure", { class: `photo photo-${photo.status}` }, h("p", { class: "meta" }, text));
  }
  const src = thumbnailFor(photo.thumbnails, 1200) ?? photo.originalUrl ?? "";
  const img = h("img", {
    src,
    srcset: srcset(photo.thumbnails) || undefined,
    sizes,
    alt: label,
    width: photo.width ?? undefined,
    height: photo.height ?? undefined,
    loading: "lazy",
    decoding: "async",
  });
  return h("figure", { class: "photo" }, photo.originalUrl ? h("a", { href: photo.originalUrl }, img) : img);
}

export function initPost(): void {
  const slug = slugOf(location);
  const status = byId("post-status");
  const article = byId("post");
  if (!slug) {
    byId("post-title").textContent = "Post not found";
    say(status, "No post was given: open a post from the home page.", true);
    return;
  }
  const path = `/api/posts/${encodeURIComponent(slug)}`;

  api<Post>("GET", path, undefined, { fresh: true })
    .then((post) => {
      document.title = `${post.title} · Photo blog`;
      setCanonical(postUrl(post.slug));
      byId("post-title").textContent = post.title;
      const meta = byId("post-meta");
      meta.replaceChildren(
        ...([post.author?.name ? `By ${post.author.name} · ` : "", time(post.publishedAt)].filter(
          Boolean,
        ) as Array<Node | string>),
      );
      byId("post-body").replaceChildren(renderMarkdown(post.body));
      byId("post-photos").replaceChildren(
        ...post.photos.map((photo, i) =>
          photoFigure(
            photo,
            `${post.title}, photo ${i + 1} of ${post.photos.length}`,
            "(min-width: 56rem) 54rem, 100vw",
          ),
        ),
      );
      byId("like-count").textContent = String(post.likes ?? 0);
      byId<HTMLButtonElement>("like").disabled = false;
      const session = currentSession();
      // Only the author may edit (the API checks); any signed-in author gets the link.
      if (session) {
        const edit = byId<HTMLAnchorElement>("edit-link");
        edit.href = authorUrl(post.slug);
        edit.hidden = false;
      }
    })
    .catch((error: unknown) => {
      byId("post-title").textContent =
        error instanceof ApiError && error.status === 404 ? "Post not found" : "Post unavailable";
      say(status, errorMessage(error, "The post could not be loaded."), true);
    })
    .finally(() => article.setAttribute("aria-busy", "false"));

  const likeButton = byId<HTMLButtonElement>("like");
  likeButton.addEventListener("click", () => {
    likeButton.disabled = true;
    api<LikeResult>("POST", `${path}/like`)
      .then((result) => {
        byId("like-count").textContent = String(result.likes);
        likeButton.setAttribute("aria-pressed", "true");
        say(status, result.alreadyLiked ? "You already liked this post." : "Thanks for the like!");
      })
      .catch((error: unknown) => say(status, errorMessage(error, "The like was not counted."), true))
      .finally(() => (likeButton.disabled = false));
  });

  const list = byId<HTMLOListElement>("comments");
  const commentsStatus = byId("comments-status");
  const showComment = (comment: Comment): HTMLLIElement =>
    h(
      "li",
      { class: "comment" },
      h("p", { class: "meta" }, h("strong", {}, comment.name), " · ", time(comment.createdAt, true)),
      h("p", {}, comment.body),
    );

  api<CommentPage>("GET", `${path}/comments`, undefined, { fresh: true })
    .then((page) => {
      list.replaceChildren(...page.comments.map(showComment));
      say(commentsStatus, page.comments.length === 0 ? "No comments yet. Be the first!" : "");
    })
    .catch((error: unknown) =>
      say(commentsStatus, errorMessage(error, "Comments could not be loaded."), true),
    );

  const form = byId<HTMLFormElement>("comment-form");
  handleSubmit(form, byId("comment-form-status"), ["name", "body"], {
    check: ({ name, body }) => (name && body ? undefined : "Please give your name and a comment."),
    send: async (values) => {
      list.append(showComment(await api<Comment>("POST", `${path}/comments`, values)));
      say(commentsStatus, "");
      (form.elements.namedItem("body") as HTMLTextAreaElement).value = "";
      return "Your comment was posted.";
    },
    failure: "Your comment was not posted.",
  });
}
