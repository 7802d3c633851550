/**
 * Author area (`/author`, `?edit=<slug>` to edit): sign in, write a post in Markdown, upload photos with
 * progress (into the author's own folder, or through the API: ./author-folders.ts), publish, then watch each
 * photo's processing status until its thumbnails are ready.
 */
import { api, ApiError } from "../api";
import { beginSignIn, completeSignIn, currentSession, signOut, type Session } from "../auth";
import { loadConfig, type AuthConfig, type SiteConfig } from "../config";
import { byId, h, say } from "../dom";
import type { Photo, PhotoStatus, Post } from "../model";
import { authorUrl, postUrl } from "../urls";
import { startFolderPanel } from "./author-folders";

const STATUS_TEXT: Readonly<Record<PhotoStatus | "uploading" | "uploaded", string>> = {
  uploading: "Uploading…",
  uploaded: "Uploaded: processing starts when the post is saved.",
  pending: "Waiting for processing…",
  processing: "Making thumbnails…",
  ready: "Ready",
  failed: "Processing failed",
};

interface PhotoRow {
  key: string;
  readonly item: HTMLLIElement;
  readonly progress: HTMLProgressElement;
  readonly label: HTMLSpanElement;
  status: PhotoStatus | "uploading" | "uploaded";
}

export function initAuthor(): void {
  const authStatus = byId("auth-status");
  loadConfig()
    .then(async (config) => {
      if (!config.auth) {
        say(authStatus, "Author sign-in is not configured for this site.", true);
        return;
      }
      const session = (await completeSignIn(config.auth)) ?? currentSession();
      if (session) showEditor(session, { ...config, auth: config.auth });
      else showSignIn(config.auth);
    })
    .catch((error: unknown) =>
      say(authStatus, error instanceof Error ? error.message : "Sign-in failed.", true),
    );
}

function showSignIn(auth: AuthConfig): void {
  byId("signed-out").hidden = false;
  byId("sign-in").addEventListener("click", () => {
    beginSignIn(auth).catch((error: unknown) =>
      say(byId("auth-status"), error instanceof Error ? error.message : "Sign-in failed.", true),
    );
  });
}

function showEditor(session: Session, config: SiteConfig & { readonly auth: AuthConfig }): void {
  const { auth } = config;
  byId("signed-in").hidden = false;
  byId("author-name").textContent = session.name;
  byId("sign-out").addEventListener("click", () => signOut(auth));

  const form = byId<HTMLFormElement>("post-form");
  const title = byId<HTMLInputElement>("post-title-input");
  const slugInput = byId<HTMLInputElement>("post-slug-input");
  const body = byId<HTMLTextAreaElement>("post-body-input");
  const photoInput = byId<HTMLInputElement>("photo-input");
  const photoList = byId<HTMLUListElement>("photo-list");
  const status = byId("post-form-status");
  const saveButton = byId<HTMLButtonElement>("save-post");
  const deleteButton = byId<HTMLButtonElement>("delete-post");
  const rows: PhotoRow[] = [];
  let editing: string | null = new URLSearchParams(location.search).get("edit");
  let pollTimer: number | undefined;
  // A saved draft is compared with the post only once the post is in the editor.
  let fieldsFilled = (): void => undefined;
  const fieldsReady = new Promise<void>((resolve) => (fieldsFilled = resolve));
  const folders = startFolderPanel(
    config.folders,
    session,
    { title, slug: slugInput, body },
    () => editing ?? "new",
    fieldsReady,
  );

  const setRowStatus = (row: PhotoRow, value: PhotoRow["status"], detail?: string | null): void => {
    row.status = value;
    row.item.dataset.status = value;
    row.label.textContent = detail ? `${STATUS_TEXT[value]}: ${detail}` : STATUS_TEXT[value];
    row.progress.hidden = value !== "uploading";
  };

  const addRow = (name: string, key = ""): PhotoRow => {
    const progress = h("progress", { max: 1, value: 0, "aria-label": `Upload of ${name}` });
    const label = h("span", { class: "photo-status" });
    const remove = h("button", { type: "button", class: "link" }, "Remove");
    const item = h(
      "li",
      { class: "photo-row" },
      h("span", { class: "photo-name" }, name),
      progress,
      label,
      remove,
    );
    const row: PhotoRow = { key, item, progress, label, status: "pending" };
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(row), 1);
      item.remove();
    });
    rows.push(row);
    photoList.append(item);
    return row;
  };

  const showPhotos = (photos: readonly Photo[]): void => {
    for (const photo of photos) {
      const row =
        rows.find((r) => r.key === photo.key) ?? addRow(photo.key.split("/").pop() ?? photo.key, photo.key);
      setRowStatus(row, photo.status, photo.status === "failed" ? photo.error : undefined);
    }
  };

  /** Polls the saved post until no photo is waiting any more: the thumbnail function works asynchronously. */
  const watchPhotos = (slug: string): void => {
    window.clearTimeout(pollTimer);
    const poll = (): void => {
      api<Post>("GET", `/api/posts/${encodeURIComponent(slug)}`, undefined, {
        token: session.token,
        fresh: true,
      })
        .then((post) => {
          showPhotos(post.photos);
          if (post.photos.some((p) => p.status === "pending" || p.status === "processing"))
            pollTimer = window.setTimeout(poll, 1000);
        })
        .catch(() => (pollTimer = window.setTimeout(poll, 3000)));
    };
    poll();
  };

  const enterEditMode = (post: Post): void => {
    editing = post.slug;
    history.replaceState(null, "", authorUrl(post.slug));
    byId("editor-title").textContent = "Edit post";
    saveButton.textContent = "Save changes";
    deleteButton.hidden = false;
    slugInput.value = post.slug;
    slugInput.readOnly = true;
  };

  if (editing) {
    api<Post>("GET", `/api/posts/${encodeURIComponent(editing)}`, undefined, {
      token: session.token,
      fresh: true,
    })
      .then((post) => {
        title.value = post.title;
        body.value = post.body;
        enterEditMode(post);
        fieldsFilled();
        showPhotos(post.photos);
        watchPhotos(post.slug);
      })
      .catch((error: unknown) => {
        editing = null;
        fieldsFilled();
        say(
          status,
          error instanceof ApiError
            ? `The post cannot be edited: ${error.message}`
            : "The post could not be loaded.",
          true,
        );
      });
  } else fieldsFilled();

  photoInput.addEventListener("change", () => {
    for (const file of Array.from(photoInput.files ?? [])) {
      const row = addRow(file.name);
      setRowStatus(row, "uploading");
      folders
        .uploadPhoto(file, (fraction) => {
          if (fraction === undefined) row.progress.removeAttribute("value");
          else row.progress.value = fraction;
        })
        .then((key) => {
          row.key = key;
          setRowStatus(row, "uploaded");
        })
        .catch((error: unknown) => {
          setRowStatus(row, "failed", error instanceof Error ? error.message : "upload failed");
          row.key = "";
        });
    }
    photoInput.value = "";
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (rows.some((r) => r.status === "uploading")) {
      say(status, "Please wait until every photo is uploaded.", true);
      return;
    }
    const photoKeys = rows.filter((r) => r.key && r.status !== "failed").map((r) => r.key);
    const payload = {
      title: title.value.trim(),
      body: body.value,
      // The first photo is the cover: its thumbnail shows on the home page.
      coverKey: photoKeys[0] ?? null,
      photoKeys,
      // Without a slug the API makes one from the title.
      ...(editing || !slugInput.value.trim() ? {} : { slug: slugInput.value.trim() }),
    };
    if (!payload.title || !payload.body.trim()) {
      say(status, "A post needs a title and some text.", true);
      return;
    }
    saveButton.disabled = true;
    const request = editing
      ? api<Post>("PUT", `/api/posts/${encodeURIComponent(editing)}`, payload, { token: session.token })
      : api<Post>("POST", "/api/posts", payload, { token: session.token });
    request
      .then((post) => {
        const created = !editing;
        enterEditMode(post);
        folders.saved(post.slug);
        say(status, "", false);
        status.replaceChildren(
          created ? "Published. " : "Saved. ",
          h("a", { href: postUrl(post.slug) }, "View the post"),
        );
        showPhotos(post.photos);
        watchPhotos(post.slug);
      })
      .catch((error: unknown) =>
        say(status, error instanceof ApiError ? error.message : "The post was not saved.", true),
      )
      .finally(() => (saveButton.disabled = false));
  });

  deleteButton.addEventListener("click", () => {
    if (!editing || !window.confirm("Delete this post? This cannot be undone.")) return;
    api("DELETE", `/api/posts/${encodeURIComponent(editing)}`, undefined, { token: session.token })
      .then(() => location.assign("/"))
      .catch((error: unknown) =>
        say(status, error instanceof ApiError ? error.message : "The post was not deleted.", true),
      );
  });
}
